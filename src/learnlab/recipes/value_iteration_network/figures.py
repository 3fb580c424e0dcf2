"""The value-iteration-network figures, drawn from stored data (so `learnlab report` redraws
them): success rate per grid size and policy, and one unseen map with the learned value map and
the trajectories of the VIN, the CNN and the planner."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from matplotlib.figure import Figure

if TYPE_CHECKING:
    from torch import Tensor


def success_figure(
    *, sizes: Sequence[int], policies: Sequence[str], means: Sequence[Sequence[float]],
    lows: Sequence[Sequence[float]], highs: Sequence[Sequence[float]],
) -> Figure:  # fmt: skip
    """Bars: the mean success rate (%) per size, one bar per policy; whiskers: lowest and
    highest seed. `means[p][s]` is policy p at size s."""
    import numpy as np

    from learnlab.report.plots import new_figure

    fig = new_figure(6, 3.6)
    ax = fig.add_subplot(1, 1, 1)
    x = np.arange(len(sizes))
    width = 0.8 / len(policies)
    for i, name in enumerate(policies):
        mean = np.asarray(means[i])
        errors = [mean - np.asarray(lows[i]), np.asarray(highs[i]) - mean]
        ax.bar(x + (i - (len(policies) - 1) / 2) * width, mean, width, yerr=errors,
               capsize=3, label=name)  # fmt: skip
    ax.set_xticks(x, [f"{s}x{s}" for s in sizes])
    ax.set_ylim(0, 105)
    ax.set_ylabel("success rate on unseen maps (%)")
    ax.legend(fontsize=8, loc="lower left")
    return fig


def example_map_figure(
    *, obstacles: Tensor, goal: Sequence[int], value: Tensor, paths: dict[str, list]
) -> Figure:
    """Left: the map (obstacles black, goal star) with each policy's path from the same start.
    Right: the VIN's value map V_K on it."""
    from learnlab.report.plots import new_figure

    fig = new_figure(9, 4)
    left = fig.add_subplot(1, 2, 1)
    left.imshow(obstacles.float().numpy(), cmap="Greys", vmin=0, vmax=1)
    styles = {"planner": ("tab:green", "-"), "VIN": ("tab:blue", "--"), "CNN": ("tab:red", ":")}
    for name, path in paths.items():
        rows, cols = zip(*path, strict=True)
        color, style = styles.get(name, ("tab:gray", "-"))
        left.plot(cols, rows, style, color=color, linewidth=2, marker="o", markersize=3,
                  label=f"{name} ({len(path) - 1} moves)")  # fmt: skip
    left.plot(goal[1], goal[0], "*", color="gold", markersize=14, markeredgecolor="black")
    left.set_title("unseen map: paths from one start")
    left.legend(fontsize=7, loc="upper right")
    right = fig.add_subplot(1, 2, 2)
    shown = value.clone().float()
    shown[obstacles.bool()] = float("nan")
    image = right.imshow(shown.numpy(), cmap="viridis")
    fig.colorbar(image, ax=right, fraction=0.046)
    right.set_title("VIN value map V_K")
    for ax in (left, right):
        ax.set_xticks([])
        ax.set_yticks([])
    return fig
