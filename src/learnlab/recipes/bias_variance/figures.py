"""The bias-variance figure, drawn from stored data (so `learnlab report` redraws it)."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure


def decomposition_figure(
    *,
    complexity: Sequence[float],
    bias_squared: Sequence[float],
    variance: Sequence[float],
    total: Sequence[float],
    noise: float,
    xlabel: str,
    threshold: float | None,
    log_x: bool,
) -> Figure:
    """Bias^2, variance and their sum with the noise (the expected squared test error) against
    the model's complexity, log y; the noise as a dashed line, the interpolation threshold
    dotted."""
    from learnlab.report.plots import new_figure

    fig = new_figure(6, 3.6)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(complexity, total, "o-", color="black", label="total (expected test MSE)")
    ax.plot(complexity, bias_squared, "s-", color="tab:blue", label="bias$^2$")
    ax.plot(complexity, variance, "^-", color="tab:red", label="variance")
    if noise > 0:
        ax.axhline(noise, color="gray", linestyle="--", linewidth=1, label="noise")
    if threshold is not None:
        ax.axvline(threshold, color="black", linestyle=":", linewidth=1, label="interpolation")
    ax.set_yscale("log")
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("squared error")
    ax.legend(fontsize=8)
    return fig
