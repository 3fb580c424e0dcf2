"""The compression figure, drawn from stored data (so `learnlab report` redraws it): per
model, test accuracy against the non-zero parameters of each compressed variant, error bars
from the lowest to the highest seed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from matplotlib.figure import Figure

if TYPE_CHECKING:
    from torch import Tensor


def compression_figure(
    *, models: Sequence[str], labels: Sequence[Sequence[str]], nonzero: Tensor, accuracy: Tensor
) -> Figure:
    """`nonzero` and `accuracy` are (models, variants, seeds), NaN where a model has fewer
    variants; `labels` names each model's variants."""
    import numpy as np

    from learnlab.report.plots import new_figure

    fig = new_figure(5 * len(models), 3.8)
    for m, model in enumerate(models):
        ax = fig.add_subplot(1, len(models), m + 1)
        for v, name in enumerate(labels[m]):
            sizes = nonzero[m, v].double().numpy()
            values = accuracy[m, v].double().numpy()
            if np.isnan(values).all():
                continue
            mean = values.mean()
            ax.errorbar(
                sizes.mean(),
                mean,
                yerr=[[mean - values.min()], [values.max() - mean]],
                marker="o",
                ms=4,
                capsize=2,
                label=name,
            )
        ax.set_xscale("log")
        ax.set_xlabel("non-zero parameters")
        ax.set_ylabel("test accuracy (%)")
        ax.set_title(model)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return fig
