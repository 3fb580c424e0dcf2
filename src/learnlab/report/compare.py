"""Runs side by side: the settings in which they differ, their metrics, and their validation
curves on shared axes (the page `learnlab runs compare RUN RUN --html PATH` writes).

Only the files of each run directory are read (config.json, summary.json, metrics.jsonl), so
any two finished runs can be compared, indexed or not. Options a run left at their defaults
are filled in from the model's factory, the optimizer and the schedule (`with_defaults`), so
`model_options {}` and `{width: 128}` compare as width 256 against 128. The page holds no
absolute path of the machine: runs are named, and linked relative to the page's folder.

The curves are each run's validation loss and accuracy per epoch; a run trained without a
validation split shows its training curves instead (dashed, and named so in the legend).

Example:
    >>> runs = load_runs(["runs/a", "runs/b"])  # doctest: +SKIP
    >>> config_differences(runs)  # doctest: +SKIP
    [{'setting': 'lr', 'a': 0.1, 'b': 0.01}]
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from learnlab import runs
from learnlab.io.atomic import atomic_write_text
from learnlab.io.errors import DataError
from learnlab.report.html import (
    Section,
    figure_html,
    flatten,
    format_metric,
    render_page,
    rows_table_html,
)
from learnlab.report.shareable import shareable_path, shareable_values

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_ABSENT = "\u2014"


@dataclass
class ComparedRun:
    label: str  # unique among the compared runs
    path: Path
    config: dict[str, Any]  # flattened: model_options.width, ...
    summary: dict[str, Any]  # flattened
    history: list[dict[str, Any]]


def load_runs(run_dirs: list[str | Path]) -> list[ComparedRun]:
    """Read the runs; a DataError names a directory that is not a finished run."""
    if len(run_dirs) < 2:
        raise DataError(f"give at least two runs to compare, got {len(run_dirs)}.")
    loaded = []
    for run_dir in map(Path, run_dirs):
        summary_file = run_dir / runs.SUMMARY_FILE
        if not summary_file.is_file():
            raise DataError(
                f"{run_dir} has no {runs.SUMMARY_FILE}: not a finished run directory. "
                "`learnlab runs` lists the finished runs."
            )
        config_file, metrics_file = run_dir / runs.CONFIG_FILE, run_dir / runs.METRICS_FILE
        config = runs.read_json_object(config_file) if config_file.is_file() else {}
        history = runs.read_history(metrics_file) if metrics_file.is_file() else []
        summary = runs.with_current_names(runs.read_json_object(summary_file))
        loaded.append(
            ComparedRun(
                run_dir.name, run_dir, flatten(with_defaults(config)), flatten(summary), history
            )
        )
    names = [r.label for r in loaded]
    for r in loaded:  # two runs named seed-0 under different parents: add the parent
        if names.count(r.label) > 1:
            r.label = f"{r.path.resolve().parent.name}/{r.path.name}"
    return loaded


def with_defaults(config: dict[str, Any]) -> dict[str, Any]:
    """`config` with model_options, optimizer_options and schedule_options completed by the
    defaults of the options it leaves unset (a name learnlab does not know, such as a user's
    model file, keeps its options as they are)."""
    from learnlab.train.option_defaults import fill_option_defaults

    return fill_option_defaults(config)


def config_differences(compared: list[ComparedRun]) -> list[dict[str, Any]]:
    """One row per setting whose value is not the same in every run."""
    keys = list(dict.fromkeys(k for r in compared for k in r.config))
    rows = []
    for key in keys:
        values = [r.config.get(key, _ABSENT) for r in compared]
        if any(json.dumps(v) != json.dumps(values[0]) for v in values):
            by_run = {r.label: v for r, v in zip(compared, values, strict=True)}
            rows.append({"setting": key, **by_run})
    return rows


def metric_rows(compared: list[ComparedRun]) -> list[dict[str, Any]]:
    """One row per summary value (metrics, seconds, status), formatted as the report does."""
    keys = list(dict.fromkeys(k for r in compared for k in r.summary))
    return [
        {
            "metric": key,
            **{
                r.label: format_metric(key, r.summary[key]) if key in r.summary else _ABSENT
                for r in compared
            },
        }
        for key in keys
    ]


def _curves_of(run: ComparedRun) -> tuple[str, dict[str, list[tuple[float, float]]]]:
    """('val' or 'train', {'loss': [(epoch, value)], 'accuracy': [...]}) of one run."""
    split = "val" if any("val_loss" in h for h in run.history) else "train"
    curves: dict[str, list[tuple[float, float]]] = {"loss": [], "accuracy": []}
    for index, row in enumerate(run.history):
        for metric in curves:
            value = row.get(f"{split}_{metric}")
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                curves[metric].append((float(row.get("epoch", index + 1)), float(value)))
    return split, curves


def validation_curves_figure(compared: list[ComparedRun]) -> Figure:
    """Validation loss and accuracy per epoch, one line per run, on shared axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    per_run = [(run, *_curves_of(run)) for run in compared]
    metrics = [m for m in ("loss", "accuracy") if any(c[m] for _, _, c in per_run)]
    if not metrics:
        raise DataError("none of these runs has per-epoch metrics (metrics.jsonl) to plot.")
    fig = Figure(figsize=(4.7 * len(metrics), 3.3), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    for ax, metric in zip(axes, metrics, strict=True):
        for colour, (run, split, curves) in enumerate(per_run):
            points = curves[metric]
            if not points:
                continue
            xs, ys = zip(*points, strict=True)
            label = run.label if split == "val" else f"{run.label} (train; no val split)"
            style = "-" if split == "val" else "--"
            marker = "o" if len(xs) <= 40 else None
            ax.plot(xs, ys, style, marker=marker, markersize=3, color=f"C{colour}", label=label)
        ax.set_title(f"validation {metric}")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if metric == "accuracy":
            ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
    return fig


def _runs_body(compared: list[ComparedRun], page_dir: Path) -> str:
    """The runs by name, with their folders and reports relative to the page."""
    listing = [{"run": r.label, "directory": shareable_path(r.path, page_dir)} for r in compared]
    links = [
        f'<a href="{html.escape(shareable_path(r.path / runs.REPORT_FILE, page_dir))}">'
        f"{html.escape(r.label)}</a>"
        for r in compared
        if (r.path / runs.REPORT_FILE).is_file()
    ]
    reports = f"<p>Reports: {', '.join(links)}.</p>" if links else ""
    return rows_table_html(listing) + reports


def comparison_page(compared: list[ComparedRun], page_dir: str | Path = ".") -> str:
    """A self-contained HTML page: the runs, their differing settings, metrics and curves;
    paths are written relative to `page_dir`, the folder the page is written to."""
    page_dir = Path(page_dir)
    differences = config_differences(compared) or [{"setting": "(the runs share every setting)"}]
    note = (
        "<p>Options a run left unset (model_options, optimizer_options, schedule_options) "
        "show their defaults.</p>"
    )
    sections = [
        Section("runs", "Runs", _runs_body(compared, page_dir)),
        Section(
            "differences",
            "Configuration differences",
            rows_table_html(shareable_values(differences, page_dir)) + note,
        ),
        Section(
            "metrics", "Metrics", rows_table_html(shareable_values(metric_rows(compared), page_dir))
        ),
    ]
    has_history = any(r.history for r in compared)
    if has_history:
        figure = validation_curves_figure(compared)
        caption = "Validation curves per epoch (dashed: training curves of a run without one)."
        sections.append(Section("curves", "Validation curves", figure_html(figure, caption)))
    title = "Comparison of " + ", ".join(r.label for r in compared)
    return render_page(title, None, sections)


def write_comparison_page(compared: list[ComparedRun], path: str | Path) -> Path:
    """Write the comparison page to `path` atomically and return it."""
    path = Path(path)
    if path.is_dir():
        raise DataError(f"--html {path} is a directory; give a file name such as compare.html.")
    atomic_write_text(path, comparison_page(compared, path.parent))
    return path
