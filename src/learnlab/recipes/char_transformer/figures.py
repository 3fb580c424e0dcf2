"""The char-transformer recipe's figure, drawn from stored data (so `learnlab report` redraws
it): the language model's loss at every step, and its validation loss after each epoch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def loss_curve_figure(
    *,
    step_losses: Sequence[float],
    steps_per_epoch: int,
    val_epochs: Sequence[int],
    val_losses: Sequence[float],
) -> Figure:
    """Every step's training loss (with its moving average) and the validation loss after
    each epoch, against the epoch, in nats per character."""
    from learnlab.report.plots import step_loss_figure

    fig = step_loss_figure(list(step_losses), steps_per_epoch)
    ax = fig.axes[0]
    ax.plot(
        list(val_epochs),
        list(val_losses),
        "o-",
        color="tab:orange",
        label="validation (held-out 10%)",
    )
    ax.set_ylabel("cross-entropy (nats per character)")
    ax.legend(fontsize="small")
    return fig
