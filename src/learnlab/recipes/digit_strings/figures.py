"""The digit-strings figure, drawn from stored data: test strings with their true digits and
the reader's reading (green when read exactly, red otherwise)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from matplotlib.figure import Figure


def readings_figure(
    *, images: torch.Tensor, truth: Sequence[str], readings: Sequence[str]
) -> Figure:
    from learnlab.report.plots import new_figure

    count = len(truth)
    columns = 3
    rows = -(-count // columns)
    fig = new_figure(3.2 * columns, 1.3 * rows)
    for i in range(count):
        ax = fig.add_subplot(rows, columns, i + 1)
        ax.imshow(images[i, 0].numpy(), cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        right = truth[i] == readings[i]
        ax.set_title(
            f"true {truth[i]}, read {readings[i] or '(empty)'}",
            fontsize=8,
            color="green" if right else "red",
        )
    return fig
