"""Figures of the scans, drawn from their numbers alone (so a report redraws them from stored
data): curves along a line, and filled contours of a plane. Built as matplotlib Figures with an
Agg canvas, never through pyplot (nothing global is registered)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def line_scan_figure(
    *,
    alphas: Sequence[float],
    panels: Mapping[str, Mapping[str, Sequence[float]]],
    xlabel: str = "alpha: (1 - alpha) theta_0 + alpha theta_1",
) -> Figure:
    """One panel per entry of `panels` (its title -> curves, label -> values at `alphas`),
    side by side; dotted verticals at alpha = 0 and 1, the two ends of the path."""
    fig = _figure(4.2 * max(1, len(panels)), 3.4)
    axes = fig.subplots(1, max(1, len(panels)), squeeze=False)[0]
    x = [float(a) for a in alphas]
    for ax, (title, curves) in zip(axes, panels.items(), strict=False):
        for label, values in curves.items():
            ax.plot(x, [float(v) for v in values], marker=".", label=label)
        for end in (0.0, 1.0):
            ax.axvline(end, color="gray", linestyle=":", linewidth=0.8)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.legend(fontsize=8)
    return fig


def plane_contour_figure(
    *,
    alphas: Sequence[float],
    betas: Sequence[float],
    values: Sequence[Sequence[float]],
    label: str = "loss",
    levels: int = 20,
    log_scale: bool = False,
) -> Figure:
    """Filled contours of `values[i][j]` at (alphas[i], betas[j]) with labelled contour lines
    (of log10 of the values with `log_scale`: a loss that grows by orders of magnitude away
    from the centre); the centre (0, 0) marked."""
    import numpy as np

    fig = _figure(5.2, 4.4)
    ax = fig.add_subplot(1, 1, 1)
    grid = np.asarray(values, dtype=float).T  # contourf wants [y, x]
    if log_scale:
        grid, label = np.log10(np.maximum(grid, np.finfo(float).tiny)), f"log10 {label}"
    filled = ax.contourf(np.asarray(alphas), np.asarray(betas), grid, levels=levels)
    lines = ax.contour(filled, colors="white", linewidths=0.5, linestyles="solid")
    ax.clabel(lines, fontsize=6, fmt="%.2g")
    fig.colorbar(filled, ax=ax, label=label)
    ax.plot([0.0], [0.0], "r*", markersize=10)
    ax.set_xlabel("alpha (direction d1)")
    ax.set_ylabel("beta (direction d2)")
    return fig
