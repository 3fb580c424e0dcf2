"""The one writer: a `Result` becomes a run directory, a run-index entry, a report and a line on
the console.

`publish(result, run_dir)` writes the result's files (`learnlab.runs.result_files`: weights
first), draws report.html from those files (`learnlab.report.run_report`, so `learnlab report
RUN` rebuilds the same bytes), then writes summary.json, records the run in the index and prints
the result's headline and where its report is. summary.json says the run is finished, so it
comes after the report: a run interrupted while its report is drawn has none, is not listed as
completed, and `--resume` publishes it again (a training run from its last checkpoint, without
training again). Every `learnlab train` run and every recipe's run goes
through it; so does each part of a recipe, without the index entry.

Example:
    >>> from learnlab.result import Result
    >>> published = publish(Result("demo", "A demo", {"x": 1.0}), "runs/demo")  # doctest: +SKIP
    >>> published.run_dir                                                       # doctest: +SKIP
    PosixPath('runs/demo')
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from learnlab.result import Result

if TYPE_CHECKING:
    from rich.console import Console
    from torch import nn


@dataclass(frozen=True)
class Published:
    """A result and the run directory it was written to; for a run that trained a model,
    the trained model itself (`model`)."""

    run_dir: Path
    result: Result

    @property
    def model(self) -> nn.Module | None:
        """The trained model (the result's "model", saved as model.safetensors) in eval mode,
        ready for inference; None for a run without one (a recipe of parts: see `models`)."""
        saved = self.result.models.get("model")
        return saved.module.eval() if saved is not None else None

    @property
    def models(self) -> dict[str, nn.Module]:
        """Every model the result saved, by file stem ("model", "vae", ...), in eval mode."""
        return {name: saved.module.eval() for name, saved in self.result.models.items()}

    @property
    def summary(self) -> dict[str, Any]:
        return self.result.summary

    @property
    def history(self) -> list[dict[str, Any]]:
        return self.result.history


def publish(
    result: Result,
    run_dir: str | Path,
    *,
    index: bool = True,
    report: bool = True,
    console: Console | None = None,
) -> Published:
    """Write `result` into `run_dir`; with `index`, record it in the run index; with `report`,
    draw report.html (`learnlab report RUN` can draw it later otherwise)."""
    from learnlab.report.run_report import build_run_report
    from learnlab.runs.index import append_to_index
    from learnlab.runs.result_files import write_result_files, write_summary

    run_dir = write_result_files(result, run_dir, finish=False)
    report_path = None
    if report:  # the summary as summary.json will hold it: the rebuilt page is the same
        report_path = build_run_report(run_dir, json.loads(json.dumps(result.summary)))
    write_summary(result, run_dir)
    if index:
        append_to_index(run_dir, {"kind": result.kind, **result.index})
    if console is not None:
        if result.headline:
            console.print(result.headline)
        if report_path is not None:
            console.print(f"report: {report_path}")
    return Published(run_dir, result)
