"""The transfer recipe's figure, drawn from stored data (so `learnlab report` redraws it): USPS
test error against the number of frozen layers k, one line per number of labelled examples,
training from scratch as a dashed line of the same colour."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure


def error_against_k_figure(
    *,
    ks: Sequence[int],
    labels: Sequence[str],
    means: Sequence[Sequence[float]],
    stds: Sequence[Sequence[float]],
    scratch: Sequence[float],
    scratch_stds: Sequence[float],
) -> Figure:
    """`means[i][j]`: mean test error (%) of k = ks[j] with labels[i]'s examples."""
    from learnlab.report.plots import new_figure

    fig = new_figure(6.0, 4.0)
    ax = fig.subplots()
    for i, label in enumerate(labels):
        color = f"C{i % 10}"
        ax.errorbar(
            ks,
            means[i],
            yerr=stds[i],
            fmt="o-",
            ms=4,
            capsize=3,
            color=color,
            label=f"transfer, {label}",
        )
        ax.axhline(scratch[i], color=color, ls="--", lw=1.2, label=f"scratch, {label}")
        ax.axhspan(
            scratch[i] - scratch_stds[i], scratch[i] + scratch_stds[i], color=color, alpha=0.1, lw=0
        )
    ax.set_xticks(list(ks))
    ax.set_xlabel("first k layers frozen (k = 0: everything fine-tuned)")
    ax.set_ylabel("USPS test error (%)")
    ax.legend(fontsize=8)
    return fig
