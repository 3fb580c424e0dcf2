"""The contrastive recipe's figure, drawn from stored data (so `learnlab report` redraws it):
the linear-probe test accuracy of each frozen encoder, mean with its spread over seeds."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure


def probe_accuracy_figure(
    *,
    labels: Sequence[str],
    means: Sequence[float],
    stds: Sequence[float],
    lows: Sequence[float],
    highs: Sequence[float],
) -> Figure:
    from learnlab.report.plots import new_figure

    fig = new_figure(6.4, 3.6)
    ax = fig.subplots()
    positions = list(range(len(labels)))
    ax.bar(positions, means, 0.6, yerr=stds, capsize=4, color=[f"C{i}" for i in positions])
    ax.scatter(positions, lows, color="black", s=10, zorder=3, label="lowest / highest seed")
    ax.scatter(positions, highs, color="black", s=10, zorder=3)
    ax.set_xticks(positions, labels, fontsize=9)
    ax.set_ylim(max(0.0, min(lows) - 5.0), 100.0)
    ax.set_ylabel("linear-probe test accuracy (%)")
    ax.legend(fontsize=8, loc="lower right")
    return fig
