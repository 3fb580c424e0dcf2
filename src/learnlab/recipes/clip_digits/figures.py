"""The clip-digits figure, drawn from stored data: zero-shot accuracy of each kind of prompt,
one point per seed, chance beside it."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure


def accuracy_figure(
    *, labels: Sequence[str], accuracies: Sequence[Sequence[float]], chances: Sequence[float]
) -> Figure:
    import textwrap

    from learnlab.report.plots import new_figure

    fig = new_figure(8, 3.8)
    ax = fig.add_subplot(1, 1, 1)
    for i, values in enumerate(accuracies):
        ax.bar(i, 100 * sum(values) / len(values), color="tab:blue", alpha=0.4, width=0.6)
        ax.scatter([i] * len(values), [100 * v for v in values], color="tab:blue", s=16)
        ax.hlines(100 * chances[i], i - 0.35, i + 0.35, color="black", linestyle="--")
    ax.set_xticks(range(len(labels)), [textwrap.fill(label, 22) for label in labels], fontsize=7)
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 100)
    return fig
