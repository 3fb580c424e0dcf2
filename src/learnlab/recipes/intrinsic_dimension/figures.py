"""The intrinsic-dimension figure, drawn from stored data (so `learnlab report` redraws it):
validation accuracy against d for each network, the threshold and each network's d_int90."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.figure import Figure


def accuracy_against_d_figure(
    *, curves: Sequence[dict[str, Any]], threshold: float, D: dict[str, int]
) -> Figure:
    """`curves`: one dict per network with `network`, `dims`, `accuracies` and `d_int` (None
    when no d reached the threshold)."""
    from learnlab.report.plots import new_figure

    fig = new_figure(7, 4.2)
    ax = fig.add_subplot(1, 1, 1)
    for i, curve in enumerate(curves):
        network = curve["network"]
        (line,) = ax.plot(
            curve["dims"], curve["accuracies"], marker="o", label=f"{network} (D = {D[network]:,})"
        )
        if curve["d_int"] is not None:
            ax.axvline(curve["d_int"], color=line.get_color(), linestyle=":", linewidth=1)
            ax.annotate(
                f"d_int90 = {curve['d_int']}",
                (curve["d_int"], threshold),
                xytext=(4, -14 - 11 * i),  # networks may share a d_int90
                textcoords="offset points",
                color=line.get_color(),
                fontsize=8,
            )
    ax.axhline(threshold, color="black", linestyle="--", linewidth=0.8, label=f"{threshold:g}")
    ax.set_xscale("log")
    ax.set_xlabel("subspace dimension d")
    ax.set_ylabel("validation accuracy")
    ax.legend(fontsize=8)
    return fig
