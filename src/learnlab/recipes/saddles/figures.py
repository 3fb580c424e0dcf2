"""The saddles figures, drawn from stored data (so `learnlab report` redraws them): training
error against index (the paper's Figure 1a) and Hessian eigenvalue histograms (Figure 1b)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from matplotlib.figure import Figure

if TYPE_CHECKING:
    from torch import Tensor


def error_index_figure(*, index: Tensor, error: Tensor, units: Tensor, rho: float | None) -> Figure:
    """Each kept critical point: training error (%) against index, coloured by the number of
    hidden units trained in its start."""
    from learnlab.report.plots import new_figure

    fig = new_figure(5.5, 4)
    ax = fig.add_subplot(1, 1, 1)
    points = ax.scatter(index.numpy(), error.numpy(), c=units.numpy(), cmap="viridis", s=22)
    fig.colorbar(points, ax=ax, label="hidden units trained in the start")
    ax.set_xlabel("index (fraction of negative Hessian eigenvalues)")
    ax.set_ylabel("training error (%)")
    ax.set_title("critical points" + ("" if rho is None else f": Spearman rho = {rho:.2f}"))
    return fig


def spectra_figure(*, eigenvalues: Tensor, labels: Sequence[str]) -> Figure:
    """One histogram per chosen point of its Hessian's eigenvalues (log counts, as the paper
    draws them), a vertical line at 0."""
    from learnlab.report.plots import new_figure

    rows = max(1, len(labels))
    fig = new_figure(6, 2.2 * rows)
    for i, label in enumerate(labels):
        ax = fig.add_subplot(rows, 1, i + 1)
        ax.hist(eigenvalues[i].numpy(), bins=80, log=True, color="tab:blue")
        ax.axvline(0.0, color="black", linewidth=0.8)
        ax.set_title(label, fontsize=9)
        ax.set_ylabel("count")
    if fig.axes:
        fig.axes[-1].set_xlabel("Hessian eigenvalue")
    return fig
