"""The semi-supervised recipe's figure, drawn from stored data (so `learnlab report` redraws
it): validation error against training steps, one line per method, mean over seeds with a band
of one standard deviation."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure


def val_error_figure(
    *,
    steps: Sequence[int],
    labels: Sequence[str],
    means: Sequence[Sequence[float]],
    stds: Sequence[Sequence[float]],
) -> Figure:
    """`means[i][j]`: mean validation error (%) of method labels[i] after steps[j]."""
    from learnlab.report.plots import new_figure

    fig = new_figure(6.0, 4.0)
    ax = fig.subplots()
    for i, label in enumerate(labels):
        low = [m - s for m, s in zip(means[i], stds[i], strict=True)]
        high = [m + s for m, s in zip(means[i], stds[i], strict=True)]
        ax.plot(steps, means[i], "o-", ms=3, color=f"C{i}", label=label)
        ax.fill_between(steps, low, high, color=f"C{i}", alpha=0.15, lw=0)
    ax.set_yscale("log")
    ax.set_xlabel("Adam steps")
    ax.set_ylabel("validation error (%)")
    ax.legend(fontsize=8)
    return fig
