"""Everything a finished run directory holds for its report, read from its files alone.

A run written from a `Result` (`learnlab.runs.result_files`) has result.json (title, notes,
parts), summary.json and config.json, and, where it has them, metrics.jsonl, tables.json,
figures.json (+ figures.safetensors), outputs.safetensors and model.safetensors. Runs made
before result.json existed keep their title and notes in outputs.safetensors' metadata; those
are read too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from learnlab import runs
from learnlab.io.errors import DataError
from learnlab.runs.result_files import RESULT_FILE, read_figures

if TYPE_CHECKING:
    from torch import Tensor


@dataclass
class RunFiles:
    """A finished run directory, parsed."""

    run_dir: Path
    config: dict[str, Any]
    summary: dict[str, Any]
    history: list[dict[str, Any]]
    model_info: dict[str, Any]  # header of model.safetensors: model, dataset, class_names, ...
    outputs: dict[str, Tensor]  # tensors of outputs.safetensors (keys: see learnlab.runs)
    report_info: dict[str, Any]  # title, notes, parts (result.json), steps_per_epoch (outputs)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    figures: list[dict[str, Any]] = field(default_factory=list)  # figures.json, tensors loaded

    @property
    def title(self) -> str:
        default = f"{self.config.get('model', 'model')} on {self.config.get('dataset', 'data')}"
        return str(self.report_info.get("title") or default)

    @property
    def notes(self) -> list[str]:
        return list(self.report_info.get("notes") or [])

    @property
    def parts(self) -> list[str]:
        return list(self.report_info.get("parts") or [])

    @cached_property
    def part_files(self) -> dict[str, RunFiles]:
        """Each part's run directory, parsed once (the parent's page and each part's own page
        are drawn from the same objects)."""
        return {name: read_run_files(self.run_dir / name) for name in self.parts}

    @property
    def has_report(self) -> bool:
        """Whether this run gets a report.html of its own (every run but parts that opt out)."""
        return bool(self.report_info.get("report", True))

    @property
    def class_names(self) -> list[str] | None:
        return self.model_info.get("class_names")

    @cached_property
    def confusion(self) -> Tensor | None:
        """Counts (K, K) of the test split: rows true class, columns the most probable class;
        None for a run without class probabilities (regression, most recipes)."""
        from learnlab.metrics.scores import confusion_matrix

        probabilities = self.outputs.get(runs.TEST_PROBABILITIES_KEY)
        labels = self.outputs.get(runs.TEST_LABELS_KEY)
        if probabilities is None or labels is None:
            return None
        return confusion_matrix(labels, probabilities.argmax(dim=1), probabilities.shape[1])


def _require_finished(run_dir: Path) -> dict[str, Any]:
    if not run_dir.is_dir():
        raise DataError(f"{run_dir} is not a directory; give the directory of a finished run.")
    summary_path = run_dir / runs.SUMMARY_FILE
    if not summary_path.is_file():
        raise DataError(
            f"{run_dir} has no {runs.SUMMARY_FILE}: the run has not finished (or this is not a "
            "run directory). Finish it with --resume or give another run."
        )
    summary = runs.with_current_names(runs.read_json_object(summary_path))
    if summary.get("status") == "failed":
        raise DataError(
            f"the run in {run_dir} failed ({summary.get('error', 'no reason recorded')}); "
            "it has no report to build."
        )
    if not (run_dir / runs.CONFIG_FILE).is_file():
        raise DataError(f"{run_dir} has no {runs.CONFIG_FILE}; it is not a learnlab run.")
    return summary


def read_run_files(run_dir: str | Path, summary: dict[str, Any] | None = None) -> RunFiles:
    """Parse a finished run directory; a DataError says what is missing and what to give.
    `summary`: the summary of a run being published, whose summary.json is written after its
    report (so that a run interrupted while its report is drawn is not finished)."""
    run_dir = Path(run_dir)
    summary = _require_finished(run_dir) if summary is None else dict(summary)
    info = {}
    if (run_dir / RESULT_FILE).is_file():
        info = runs.read_json_object(run_dir / RESULT_FILE)
    outputs, report_info = {}, {}
    if info.get("outputs", True) or (run_dir / runs.OUTPUTS_FILE).is_file():
        # runs from before result.json keep their title and notes in the outputs' metadata
        outputs, report_info = runs.load_outputs(run_dir)
    report_info = {**report_info, **info}
    metrics_path = run_dir / runs.METRICS_FILE
    tables_path = run_dir / runs.TABLES_FILE
    has_model = (run_dir / runs.MODEL_FILE).is_file()
    return RunFiles(
        run_dir=run_dir,
        config=runs.read_json_object(run_dir / runs.CONFIG_FILE),
        summary=summary,
        history=runs.read_history(metrics_path) if metrics_path.is_file() else [],
        model_info=runs.read_model_info(run_dir) if has_model else {},
        outputs=outputs,
        report_info=report_info,
        tables=runs.read_json(tables_path) if tables_path.is_file() else {},
        figures=read_figures(run_dir),
    )
