"""A run's report, rebuilt from its run directory alone.

`build_run_report(run_dir)` reads only the files a finished run left behind (config.json,
summary.json, metrics.jsonl, outputs.safetensors, the header of model.safetensors, and
tables.json when a recipe wrote one) and writes report.html. The training pipeline calls it
too, after writing those files, so the first report and any rebuilt one are the same page,
byte for byte: every input comes from disk, figures are drawn from the same numbers, and PNGs
carry no time or version stamp.

The page is a list of sections, each made by one *section builder*, a function
`(RunFiles) -> Section | None` (None: the run has nothing for that section). To add a section,
write a builder (in its own module when it is large) and put it into `SECTION_BUILDERS` where
it should appear. A builder reads what it needs from `RunFiles`: the parsed JSON files and the
tensors of outputs.safetensors (`run.outputs[...]`, keys in `learnlab.runs`: test labels, test
probabilities, step losses, baselines' probabilities under `baseline_probabilities/<name>`).

Example:
    >>> build_run_report("runs/20261123-120000-mnist-lenet5")  # doctest: +SKIP
    PosixPath('runs/20261123-120000-mnist-lenet5/report.html')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from learnlab import runs
from learnlab.errors import DataError
from learnlab.report.html import (
    Section,
    config_section,
    confusion_section,
    curves_section,
    figures_section,
    metrics_section,
    render_page,
    tables_section,
    write_page,
)

if TYPE_CHECKING:
    from torch import Tensor


@dataclass
class RunFiles:
    """Everything a finished run directory holds for its report, parsed."""

    run_dir: Path
    config: dict[str, Any]
    summary: dict[str, Any]
    history: list[dict[str, Any]]
    model_info: dict[str, Any]  # header of model.safetensors: model, dataset, class_names, ...
    outputs: dict[str, Tensor]  # tensors of outputs.safetensors (keys: see learnlab.runs)
    report_info: dict[str, Any]  # metadata of outputs.safetensors: title, notes, steps_per_epoch
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def title(self) -> str:
        default = f"{self.config.get('model', 'model')} on {self.config.get('dataset', 'data')}"
        return str(self.report_info.get("title") or default)

    @property
    def class_names(self) -> list[str] | None:
        return self.model_info.get("class_names")

    @cached_property
    def confusion(self) -> Tensor | None:
        """Counts (K, K) of the test split: rows true class, columns the most probable class;
        None for a run without class probabilities (regression)."""
        from learnlab.practice.metrics import confusion_matrix

        probabilities = self.outputs.get(runs.TEST_PROBABILITIES_KEY)
        labels = self.outputs.get(runs.TEST_LABELS_KEY)
        if probabilities is None or labels is None:
            return None
        return confusion_matrix(labels, probabilities.argmax(dim=1), probabilities.shape[1])


def read_run_files(run_dir: str | Path) -> RunFiles:
    """Parse a finished run directory; a DataError says what is missing and what to give."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise DataError(f"{run_dir} is not a directory; give the directory of a finished run.")
    summary_path = run_dir / runs.SUMMARY_FILE
    if not summary_path.is_file():
        raise DataError(
            f"{run_dir} has no {runs.SUMMARY_FILE}: the run has not finished (or this is not a "
            "run directory). Finish it with `learnlab train --resume` or give another run."
        )
    summary = runs.read_json_object(summary_path)
    if summary.get("status") == "failed":
        raise DataError(
            f"the run in {run_dir} failed ({summary.get('error', 'no reason recorded')}); "
            "it has no report to build."
        )
    config_path = run_dir / runs.CONFIG_FILE
    if not config_path.is_file():
        raise DataError(f"{run_dir} has no {runs.CONFIG_FILE}; it is not a training run.")
    metrics_path = run_dir / runs.METRICS_FILE
    history = runs.read_history(metrics_path) if metrics_path.is_file() else []
    tables_path = run_dir / runs.TABLES_FILE
    outputs, report_info = runs.load_outputs(run_dir)
    return RunFiles(
        run_dir=run_dir,
        config=runs.read_json_object(config_path),
        summary=summary,
        history=history,
        model_info=runs.read_model_info(run_dir),
        outputs=outputs,
        report_info=report_info,
        tables=runs.read_json(tables_path) if tables_path.is_file() else {},
    )


# ---- section builders, in page order ---------------------------------------------------------

SectionBuilder = Callable[[RunFiles], Section | None]


def section_test_metrics(run: RunFiles) -> Section | None:
    return metrics_section(run.summary)


def section_training_curves(run: RunFiles) -> Section | None:
    return curves_section(run.history)


def section_confusion(run: RunFiles) -> Section | None:
    return confusion_section(run.confusion, run.class_names)


def section_classification(run: RunFiles) -> Section | None:
    from learnlab.report.classification_section import classification_section

    return classification_section(run)


def section_tables(run: RunFiles) -> Section | None:
    return tables_section(run.tables)


def section_step_losses(run: RunFiles) -> Section | None:
    from learnlab.report.plots import step_loss_figure

    losses = run.outputs.get(runs.STEP_LOSSES_KEY)
    if losses is None or losses.numel() == 0:
        return None
    steps_per_epoch = int(run.report_info.get("steps_per_epoch") or 1)
    figure = step_loss_figure(losses.tolist(), steps_per_epoch)
    return figures_section({"Training loss at every step": figure})


def section_configuration(run: RunFiles) -> Section | None:
    return config_section(run.config)


SECTION_BUILDERS: list[SectionBuilder] = [
    section_test_metrics,
    section_training_curves,
    section_confusion,
    section_classification,
    section_tables,
    section_step_losses,
    section_configuration,
]


def render_run_report(run_dir: str | Path) -> str:
    """The report page of a finished run, as a string."""
    run = read_run_files(run_dir)
    sections = [build(run) for build in SECTION_BUILDERS]
    return render_page(run.title, run.report_info.get("notes"), sections)


def build_run_report(run_dir: str | Path) -> Path:
    """(Re)write `run_dir/report.html` from the run directory's files; return its path."""
    page = render_run_report(run_dir)
    return write_page(Path(run_dir), page)
