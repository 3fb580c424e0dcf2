"""The few-shot recipe's figure, drawn from stored data: accuracy per test setting and
method, a bar at the mean over seeds and a point per seed, chance as a dashed line."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure


def few_shot_figure(
    *,
    settings: Sequence[str],
    methods: Sequence[str],
    labels: Sequence[str],
    values: Sequence[Sequence[Sequence[float]]],
    chance: Sequence[float],
) -> Figure:
    """`values[m][s]`: method m's accuracies (one per seed) in setting s."""
    import numpy as np

    from learnlab.report.plots import new_figure

    fig = new_figure(3.6 * len(settings), 3.8)
    for s, setting in enumerate(settings):
        ax = fig.add_subplot(1, len(settings), s + 1)
        for m, label in enumerate(labels):
            seeds = 100 * np.asarray(values[m][s], dtype=float)
            if not len(seeds):
                continue
            ax.bar(m, seeds.mean(), width=0.6, color=f"C{m}", label=label)
            ax.scatter(np.full(len(seeds), m), seeds, s=12, color="black", zorder=3)
        ax.axhline(100 * chance[s], color="gray", linestyle="--", linewidth=1)
        ax.set_xticks(range(len(methods)), list(methods), rotation=20, fontsize=8)
        ax.set_title(setting, fontsize=9)
        ax.set_ylim(0, 100)
        if s == 0:
            ax.set_ylabel("test accuracy (%)")
    return fig
