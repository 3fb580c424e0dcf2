"""The fgsm recipe's figure of clean and adversarial test images with the models' answers,
drawn from stored data (so `learnlab report` redraws it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from matplotlib.figure import Figure

if TYPE_CHECKING:
    from torch import Tensor


def examples_figure(
    *, images: Tensor, titles: Sequence[Sequence[str]], row_labels: Sequence[str]
) -> Figure:
    """A grid: one row per kind of input (clean, each model's FGSM images), each image titled
    with the answer and its probability."""
    from learnlab.report.plots import new_figure

    rows, columns = images.shape[0], images.shape[1]
    fig = new_figure(1.1 * columns + 1.6, 1.25 * rows + 0.3)
    axes = fig.subplots(rows, columns, squeeze=False)
    for r in range(rows):
        for c in range(columns):
            ax = axes[r, c]
            ax.imshow(images[r, c].numpy(), cmap="gray", vmin=0.0, vmax=1.0)
            ax.set_title(titles[r][c], fontsize=7)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(row_labels[r], fontsize=7)
    return fig
