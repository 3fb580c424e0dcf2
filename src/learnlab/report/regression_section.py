"""The run report's regression section: R^2 and mean squared error of the model beside the
baselines (the training mean and least-squares linear regression, `metrics.regression`), and
the residual plot (residual = target - prediction against the prediction: a good fit leaves
a structureless band around 0; a curve or a funnel shows what the model missed), drawn from
the test targets and predictions a regression run stores in outputs.safetensors."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from learnlab.runs.directory import (
    BASELINE_PREDICTIONS_PREFIX,
    TEST_PREDICTIONS_KEY,
    TEST_TARGETS_KEY,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from torch import Tensor

    from learnlab.report.html import Section
    from learnlab.report.run_files import RunFiles


def stored_predictions(outputs: dict[str, Tensor]) -> dict[str, Tensor]:
    """The test predictions by readable name: "model" first, then the baselines."""
    from learnlab.metrics.regression import BASELINE_NAMES

    named = {"model": outputs[TEST_PREDICTIONS_KEY]}
    for key, value in outputs.items():
        if key.startswith(BASELINE_PREDICTIONS_PREFIX):
            name = key[len(BASELINE_PREDICTIONS_PREFIX) :]
            named[BASELINE_NAMES.get(name, name)] = value
    return named


def regression_rows(targets: Tensor, predictions: dict[str, Tensor]) -> list[dict[str, object]]:
    """One row per predictor: its test mean squared error and R^2."""
    from learnlab.metrics.regression import mean_squared_error, r2_score

    return [
        {"predictor": name, "test MSE": mean_squared_error(targets, p), "R^2": r2_score(targets, p)}
        for name, p in predictions.items()
    ]


def residual_figure(targets: Tensor, predictions: dict[str, Tensor]) -> Figure:
    """Residuals against predictions, one scatter per predictor that varies (the constant
    training mean would be a vertical line), with the zero line."""
    from learnlab.report.metric_plots import _array, _figure

    fig = _figure(5.6, 4.2)
    ax = fig.subplots()
    y = _array(targets).reshape(len(targets), -1)
    for (name, p), marker in zip(predictions.items(), ("o", "x", "^", "s"), strict=False):
        p = _array(p).reshape(y.shape)
        if p.std() == 0:
            continue
        ax.scatter(p.ravel(), (y - p).ravel(), s=12, marker=marker, alpha=0.6, label=name)
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel("prediction")
    ax.set_ylabel("residual (target - prediction)")
    ax.legend(loc="best")
    return fig


def regression_section(run: RunFiles) -> Section | None:
    """The section, or None for a run without stored test predictions (classification)."""
    from learnlab.report.html import Section, figure_html, rows_table_html

    targets = run.outputs.get(TEST_TARGETS_KEY)
    if targets is None or TEST_PREDICTIONS_KEY not in run.outputs:
        return None
    predictions = stored_predictions(run.outputs)
    text = (
        f"<p>{len(targets)} test examples. Baselines, fitted on the training split: "
        "the training mean (a constant) and least-squares linear regression with an intercept. "
        "R^2 = 1 - SS_res / SS_tot (0: as good as the test mean; 1: perfect).</p>"
    )
    floor = run.summary.get("noise_floor_mse")
    if isinstance(floor, (int, float)):
        text += (
            f"<p>The targets carry known noise: no predictor can beat a test MSE of about "
            f"{float(floor):.4g} (the noise variance, in these units).</p>"
        )
    rows = regression_rows(targets, predictions)
    body = text + rows_table_html(rows, "regression")
    title = "Residuals against predictions (test split)"
    figure = residual_figure(targets, predictions)
    body += f"<h3>{html.escape(title)}</h3>" + figure_html(figure, title)
    return Section("regression", "Regression metrics and baselines", body)


def regression_verdict(summary: dict) -> str | None:
    """The headline's sentence on R^2 against the linear baseline (the bad news said plainly),
    or None for a run without them."""
    model, linear = summary.get("test_r2"), summary.get("baseline_linear_r2")
    if not isinstance(model, (int, float)):
        return None
    text = f"Test R^2 {model:.4g}."
    if isinstance(linear, (int, float)):
        if model < linear:
            text += f" Linear regression (R^2 {linear:.4g}) beats this model."
        else:
            text += f" Linear regression reaches R^2 {linear:.4g}; this model does better."
    return text
