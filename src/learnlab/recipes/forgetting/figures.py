"""The forgetting recipe's figure, drawn from stored data (so `learnlab report` redraws it):
one panel per method, one line per task, the task's test accuracy over training (the shape of
Kirkpatrick et al.'s Figure 2A)."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure


def accuracy_curves_figure(
    *,
    methods: Sequence[str],
    curves: Sequence[Sequence[Sequence[float]]],
    epochs_per_task: int,
) -> Figure:
    """`curves[m][e][k]`: method m's accuracy on task k after epoch e (counted over all tasks);
    task k's line starts at the first epoch of its own training."""
    from learnlab.report.plots import new_figure

    tasks = len(curves[0][0])
    fig = new_figure(4.2 * len(methods), 3.6)
    axes = fig.subplots(1, len(methods), sharey=True, squeeze=False)[0]
    for ax, method, curve in zip(axes, methods, curves, strict=True):
        for task in range(tasks):
            start = task * epochs_per_task
            epochs = list(range(start + 1, len(curve) + 1))
            values = [100 * row[task] for row in curve[start:]]
            ax.plot(epochs, values, "o-", ms=3, label=f"task {task + 1}", color=f"C{task % 10}")
        for boundary in range(1, tasks):
            ax.axvline(boundary * epochs_per_task + 0.5, color="gray", linewidth=0.8, ls=":")
        ax.set_title(method)
        ax.set_xlabel("epoch (tasks learned one after the other)")
    axes[0].set_ylabel("test accuracy (%)")
    axes[-1].legend(fontsize=8, loc="lower left", ncol=1 + tasks // 6)
    return fig
