"""The lottery-ticket figure, drawn from stored data (so `learnlab report` redraws it): test
accuracy at early stopping and the early-stop iteration against Pm, one line per control,
error bars from the lowest to the highest seed (the paper's Figure 4 for LeNet)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from matplotlib.figure import Figure

if TYPE_CHECKING:
    from torch import Tensor


def pruning_figure(
    *,
    pm: Sequence[float],
    controls: Sequence[str],
    accuracy: Tensor,
    early_stop: Tensor,
    cap: int | None = None,
) -> Figure:
    """`accuracy` and `early_stop` are (controls, levels, seeds), NaN where a control did not
    train; `pm` the levels in percent; `cap` the iterations per round (a dashed line: an
    early stop there is censored)."""
    import numpy as np
    from matplotlib.ticker import FormatStrFormatter, NullFormatter

    from learnlab.report.plots import new_figure

    fig = new_figure(10, 3.8)
    panels = (
        (
            fig.add_subplot(1, 2, 1),
            100 * accuracy.double().numpy(),
            "test accuracy at early stop (%)",
        ),
        (fig.add_subplot(1, 2, 2), early_stop.double().numpy(), "early-stop iteration"),
    )
    x = np.asarray(pm, dtype=float)
    for ax, values, label in panels:
        for control, rows in zip(controls, values, strict=True):
            trained = ~np.isnan(rows).any(1)
            rows = rows[trained]
            mean = rows.mean(1)
            below, above = mean - rows.min(1), rows.max(1) - mean
            ax.errorbar(
                x[trained], mean, yerr=[below, above], marker="o", ms=3, capsize=2, label=control
            )
        ax.set_xscale("log")
        ax.set_xticks(x[::3])  # every third round: 100, 51.3, 26.3, 13.5, 7.0, 3.6 (%)
        ax.xaxis.set_major_formatter(FormatStrFormatter("%.1f"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.invert_xaxis()  # from the dense network (100%) to the sparsest
        ax.set_xlabel("Pm: weights remaining (%)")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    if cap is not None:
        panels[1][0].axhline(cap, color="gray", ls="--", lw=1, label="cap (censored)")
    panels[0][0].legend(fontsize=8)
    return fig
