"""The szegedy-distortion figure, drawn from stored data: originals, their adversarial
versions and the differences magnified, as in the paper's Figure 5."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from torch import Tensor


def adversarial_figure(
    *, original: Tensor, adversarial: Tensor, labels: Sequence[str], magnify: float
) -> Figure:
    """One column per example: the original, the adversarial image, and (adversarial -
    original) x `magnify` around mid-grey; images are (k, 28, 28) in [0, 1]."""
    from learnlab.report.plots import new_figure

    k = original.shape[0]
    fig = new_figure(1.5 * k, 4.8)
    axes = fig.subplots(3, k, squeeze=False)
    difference = (0.5 + magnify * (adversarial - original)).clamp(0, 1)
    for j in range(k):
        for i, (image, name) in enumerate(
            ((original, "original"), (adversarial, "adversarial"), (difference, "difference"))
        ):
            ax = axes[i][j]
            ax.imshow(image[j].numpy(), cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if j == 0:
                ax.set_ylabel(name, fontsize=8)
        axes[0][j].set_title(labels[j], fontsize=7)
    fig.suptitle(f"differences magnified {magnify:g}x around grey", fontsize=9)
    return fig
