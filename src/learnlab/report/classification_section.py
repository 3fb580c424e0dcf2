"""The run report's classification section: the model beside the baselines, one-vs-rest
PR and ROC curves, calibration and selective prediction (`metrics.classification_report`),
built from the test labels and probabilities a run stores in outputs.safetensors. The metrics
return the curves as data; `classification_figures` draws them here. On the page the
predictors are "model" and the baselines' readable names ("logistic regression"), in the
tables and in every figure's legend.

The pipeline stores the baselines' test probabilities next to the model's, under
`runs.BASELINE_PROBABILITIES_PREFIX + name`; `summary_scalars` picks the numbers that go into
summary.json, so that the summary and the page agree.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from learnlab import runs

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from torch import Tensor

    from learnlab.metrics.classification_report import ClassificationCurves, ClassificationReport
    from learnlab.report.html import Section
    from learnlab.report.run_files import RunFiles

# The model's numbers copied into summary.json (prefixed "test_"); all baseline numbers are.
SUMMARY_KEYS = (
    "macro_precision",
    "macro_recall",
    "macro_f1",
    "macro_auc",
    "macro_ap",
    "ece",
    "aurc",
    "accuracy_at_coverage_90",
)


def stored_baselines(outputs: dict[str, Tensor], readable: bool = False) -> dict[str, Tensor]:
    """The baselines' test probabilities by name ("logreg"), or with `readable` by the name a
    person reads ("logistic regression")."""
    from learnlab.metrics.baselines import BASELINE_NAMES

    prefix = runs.BASELINE_PROBABILITIES_PREFIX
    stored = {key[len(prefix) :]: value for key, value in outputs.items() if key.startswith(prefix)}
    if readable:
        return {BASELINE_NAMES.get(name, name): value for name, value in stored.items()}
    return stored


def summary_scalars(scalars: dict[str, float]) -> dict[str, float]:
    """The summary.json entries of a classification report's scalars."""
    chosen = {f"test_{key}": scalars[key] for key in SUMMARY_KEYS if key in scalars}
    chosen.update({k: v for k, v in scalars.items() if k.startswith("baseline_")})
    return chosen


def _explanation(baselines: dict[str, Any]) -> str:
    if not baselines:
        return "<p>No baseline was stored with this run.</p>"
    named = ", ".join(baselines)
    return (
        f"<p>Baselines, fitted on the training split and scored on the same test examples: "
        f"{html.escape(named)}. Logistic regression sees at most 10,000 training examples "
        "and stops after 100 iterations. ECE: expected calibration error, 15 equal-width "
        "confidence bins. AURC: area under the risk-coverage curve (lower is better). "
        "Coverage: the fraction of test examples answered when the least confident (lowest "
        "maximum probability) are refused.</p>"
    )


def classification_figures(curves: ClassificationCurves) -> dict[str, Figure]:
    """The section's four figures, by title, drawn from a classification report's curves."""
    from learnlab.report.metric_plots import (
        coverage_figure,
        ranking_curves_figure,
        reliability_figure,
    )

    return {
        "Precision-recall curves (one-vs-rest)": ranking_curves_figure(
            curves.pr, kind="pr", thin=curves.per_class, dashed=curves.baselines
        ),
        "ROC curves (one-vs-rest)": ranking_curves_figure(
            curves.roc, kind="roc", thin=curves.per_class, dashed=curves.baselines
        ),
        "Reliability diagram": reliability_figure(curves.diagram, curves.other_diagrams),
        "Accuracy vs coverage": coverage_figure(curves.coverage, curves.marks),
    }


def run_classification_report(run: RunFiles) -> ClassificationReport | None:
    """The classification report of a run's stored test outputs, baselines under their
    readable names; None for a run without test probabilities (regression)."""
    from learnlab.metrics.classification_report import classification_report

    labels = run.outputs.get(runs.TEST_LABELS_KEY)
    probabilities = run.outputs.get(runs.TEST_PROBABILITIES_KEY)
    if labels is None or probabilities is None:
        return None
    baselines = stored_baselines(run.outputs, readable=True)
    return classification_report(
        labels, probabilities, class_names=run.class_names, baselines=baselines
    )


def classification_section(run: RunFiles) -> Section | None:
    """The section, or None for a run without test probabilities (regression)."""
    from learnlab.report.html import Section, figure_html, rows_table_html

    report = run_classification_report(run)
    if report is None:
        return None
    baselines = stored_baselines(run.outputs, readable=True)
    parts = [_explanation(baselines)]
    if report.notes:
        items = "".join(f"<li>{html.escape(note)}</li>" for note in report.notes)
        parts.append(f'<ul class="notes">{items}</ul>')
    for name, rows in report.tables.items():
        parts.append(f"<h3>{html.escape(name)}</h3>" + rows_table_html(rows, name))
    figures = classification_figures(report.curves) if report.curves is not None else {}
    for name, figure in figures.items():
        parts.append(f"<h3>{html.escape(name)}</h3>" + figure_html(figure, name))
    return Section("classification", "Classification metrics and baselines", "".join(parts))
