"""The teacher-student-width figures, drawn from stored data (so `learnlab report` redraws
them): the final training losses per width with the threshold and the fraction below it, and
the training curves."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from matplotlib.figure import Figure

if TYPE_CHECKING:
    from torch import Tensor

# losses are drawn on a log scale; a loss of exactly 0 is drawn at this floor
LOSS_FLOOR = 1e-6


def loss_distribution_figure(
    *, widths: Sequence[int], losses: Tensor, threshold: float, fractions: Sequence[float]
) -> Figure:
    """Left: every student's final training loss (a box and the points, one column per width;
    `losses` is (widths, seeds)) and the threshold. Right: the fraction below it per width."""
    import numpy as np

    from learnlab.report.plots import new_figure

    fig = new_figure(9, 3.6)
    ax = fig.add_subplot(1, 2, 1)
    values = np.clip(losses.double().numpy(), LOSS_FLOOR, None)
    positions = np.arange(len(widths))
    ax.boxplot(list(values), positions=positions, widths=0.5, showfliers=False)
    jitter = np.random.default_rng(0).uniform(-0.15, 0.15, values.shape[1])
    for i, row in enumerate(values):
        below = row < threshold
        ax.scatter(i + jitter[below], row[below], s=12, color="tab:green", alpha=0.7)
        ax.scatter(i + jitter[~below], row[~below], s=12, color="tab:red", alpha=0.7)
    ax.axhline(threshold, color="black", linestyle="--", linewidth=0.8, label="threshold")
    ax.set_yscale("log")
    ax.set_xticks(positions, [str(w) for w in widths])
    ax.set_xlabel("student hidden units")
    ax.set_ylabel("final training loss (cross-entropy)")
    ax.legend(fontsize=8)
    right = fig.add_subplot(1, 2, 2)
    right.bar(positions, fractions, color="tab:blue")
    for i, fraction in enumerate(fractions):  # a fraction of 0 has no bar: say it
        right.text(i, fraction + 0.02, f"{fraction:.2f}", ha="center", fontsize=8)
    right.set_xticks(positions, [str(w) for w in widths])
    right.set_ylim(0, 1.05)
    right.set_xlabel("student hidden units")
    right.set_ylabel(f"fraction of seeds below {threshold:g}")
    return fig


def loss_curves_figure(*, widths: Sequence[int], curves: Tensor, threshold: float) -> Figure:
    """The median training loss of each epoch per width, with the band from the lowest to the
    highest seed; `curves` is (widths, epochs, seeds)."""
    import numpy as np

    from learnlab.report.plots import new_figure

    fig = new_figure(6, 3.6)
    ax = fig.add_subplot(1, 1, 1)
    values = np.clip(curves.double().numpy(), LOSS_FLOOR, None)
    epochs = np.arange(1, values.shape[1] + 1)
    for width, curve in zip(widths, values, strict=True):
        (line,) = ax.plot(epochs, np.median(curve, axis=1), label=f"{width} units")
        ax.fill_between(epochs, curve.min(1), curve.max(1), color=line.get_color(), alpha=0.15)
    ax.axhline(threshold, color="black", linestyle="--", linewidth=0.8)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss (epoch mean)")
    ax.legend(fontsize=8)
    return fig
