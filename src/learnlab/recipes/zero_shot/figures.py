"""The zero-shot figure, drawn from stored data: unseen-digit accuracy per split, one point
per seed, against chance."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure


def unseen_accuracy_figure(
    *, splits: Sequence[str], accuracies: Sequence[Sequence[float]], chance: float
) -> Figure:
    from learnlab.report.plots import new_figure

    fig = new_figure(max(4.0, 1.1 * len(splits) + 2), 3.4)
    ax = fig.add_subplot(1, 1, 1)
    for i, values in enumerate(accuracies):
        ax.scatter([i] * len(values), [100 * v for v in values], color="tab:blue", s=18)
        ax.hlines(100 * sum(values) / len(values), i - 0.3, i + 0.3, color="tab:blue")
    ax.axhline(100 * chance, color="black", linestyle="--", linewidth=0.8, label="chance")
    ax.set_xticks(range(len(splits)), [f"{{{s}}}" for s in splits])
    ax.set_xlabel("unseen digits")
    ax.set_ylabel("unseen-digit test accuracy (%)")
    ax.set_ylim(0, 100)
    ax.legend(loc="lower right")
    return fig
