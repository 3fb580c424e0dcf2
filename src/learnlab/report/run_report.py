"""A run's report, built from its run directory alone.

`build_run_report(run_dir)` reads only the files a finished run left behind
(`learnlab.report.run_files`) and writes report.html. The writer (`learnlab.report.publish`)
calls it right after writing those files, so the first report and any rebuilt one
(`learnlab report RUN`) are the same page, byte for byte: every input comes from disk, figures
are drawn by their stored drawing functions from their stored data, and PNGs carry no time or
version stamp.

The page is a list of sections, each made by one *section builder*, a function
`(RunFiles) -> Section | None` (None: the run has nothing for that section). To add a section,
write a builder (in its own module when it is large) and put it into `SECTION_BUILDERS` where
it should appear. A builder reads what it needs from `RunFiles`: the parsed JSON files, the
figures' data, and the tensors of outputs.safetensors (`run.outputs[...]`, keys in
`learnlab.runs`: test labels, test probabilities, step losses, baselines' probabilities, the
gallery's images).

The page leads with the answer: the test accuracy and loss and the verdict against the
baselines (`headline`), then the training curves with the loss at every step, then the
worst-classified test images (`gallery`, image data), then the rest: the summary, confusion
matrix, classification metrics, tables, figures, parts and configuration. Every number is
shown in the one format of its kind (`learnlab.formatting.format_metric`).

Example:
    >>> build_run_report("runs/20261123-120000-mnist-lenet5")  # doctest: +SKIP
    PosixPath('runs/20261123-120000-mnist-lenet5/report.html')
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from learnlab import runs
from learnlab.report.html import (
    Section,
    config_section,
    confusion_section,
    curves_section,
    figure_html,
    figures_section,
    metrics_section,
    render_page,
    rows_table_html,
    tables_section,
    write_page,
)
from learnlab.report.run_files import RunFiles, read_run_files
from learnlab.runs.result_files import FIGURES_FILE, drawing_function

SectionBuilder = Callable[[RunFiles], Section | None]


def draw_stored_figures(run: RunFiles) -> dict[str, Any]:
    """title -> matplotlib Figure, each drawn by its stored function from its stored data."""
    where = run.run_dir / FIGURES_FILE
    return {
        entry["title"]: drawing_function(entry["draw"], where)(**entry.get("data", {}))
        for entry in run.figures
    }


# ---- section builders, in page order ---------------------------------------------------------


def section_headline(run: RunFiles) -> Section | None:
    from learnlab.report.headline import headline_section

    return headline_section(run)


def section_test_metrics(run: RunFiles) -> Section | None:
    return metrics_section(run.summary)


def section_training_curves(run: RunFiles) -> Section | None:
    losses = run.outputs.get(runs.STEP_LOSSES_KEY)
    steps = losses.tolist() if losses is not None and losses.numel() > 0 else None
    steps_per_epoch = int(run.report_info.get("steps_per_epoch") or 1)
    return curves_section(run.history, steps, steps_per_epoch)


def section_gallery(run: RunFiles) -> Section | None:
    from learnlab.report.gallery import gallery_section

    return gallery_section(run)


def section_confusion(run: RunFiles) -> Section | None:
    return confusion_section(run.confusion, run.class_names)


def section_classification(run: RunFiles) -> Section | None:
    from learnlab.report.classification_section import classification_section

    return classification_section(run)


def section_regression(run: RunFiles) -> Section | None:
    from learnlab.report.regression_section import regression_section

    return regression_section(run)


def section_tables(run: RunFiles) -> Section | None:
    return tables_section(run.tables)


def section_figures(run: RunFiles) -> Section | None:
    figures = draw_stored_figures(run)
    losses = run.outputs.get(runs.STEP_LOSSES_KEY)
    if not run.history and losses is not None and losses.numel() > 0:
        # no per-epoch curves to draw them beside: the step losses stand alone
        from learnlab.report.plots import step_loss_figure

        steps_per_epoch = int(run.report_info.get("steps_per_epoch") or 1)
        figures["Training loss at every step"] = step_loss_figure(losses.tolist(), steps_per_epoch)
    return figures_section(figures)


def _part_body(name: str, part: RunFiles) -> str:
    """A part inline: its notes, tables and figures, and a link to its own page."""
    body = [f'<h3 id="part-{html.escape(name)}">{html.escape(part.title)}</h3>']
    if part.has_report:
        link = html.escape(f"{name}/{runs.REPORT_FILE}")
        body.append(f'<p>Its own report: <a href="{link}">{link}</a>.</p>')
    if part.notes:
        items = "".join(f"<li>{html.escape(n)}</li>" for n in part.notes)
        body.append(f'<ul class="notes">{items}</ul>')
    for title, rows in part.tables.items():
        body.append(f"<h4>{html.escape(title)}</h4>" + rows_table_html(rows, title))
    for title, figure in draw_stored_figures(part).items():
        body.append(f"<h4>{html.escape(title)}</h4>" + figure_html(figure, title))
    return "".join(body)


def section_parts(run: RunFiles) -> Section | None:
    if not run.parts:
        return None
    body = "".join(_part_body(name, part) for name, part in run.part_files.items())
    return Section("parts", "Parts", body)


def section_configuration(run: RunFiles) -> Section | None:
    from learnlab.report.shareable import shareable_values

    # a page to share: data_root or a model file as paths relative to the page, not absolute
    return config_section(shareable_values(run.config, run.run_dir))


# The answer first (test metrics against the baselines), then how training went, then the
# examples the model gets most wrong, then the details.
SECTION_BUILDERS: list[SectionBuilder] = [
    section_headline,
    section_training_curves,
    section_gallery,
    section_test_metrics,
    section_confusion,
    section_classification,
    section_regression,
    section_tables,
    section_figures,
    section_parts,
    section_configuration,
]


def _page(run: RunFiles) -> str:
    return render_page(run.title, run.notes, [build(run) for build in SECTION_BUILDERS])


def _write_pages(run: RunFiles) -> Path:
    for part in run.part_files.values():
        if part.has_report:
            _write_pages(part)
    return write_page(run.run_dir, _page(run))


def render_run_report(run_dir: str | Path) -> str:
    """The report page of a finished run, as a string."""
    return _page(read_run_files(run_dir))


def build_run_report(run_dir: str | Path, summary: dict[str, Any] | None = None) -> Path:
    """(Re)write `run_dir/report.html` (and those of its parts) from the run directory's files,
    each read once; return its path. `summary`: that of a run being published, not yet in
    its summary.json (see `learnlab.report.publish`)."""
    return _write_pages(read_run_files(run_dir, summary))


__all__ = ["SECTION_BUILDERS", "build_run_report", "read_run_files", "render_run_report"]
