"""The pipeline-parallel figure, drawn from stored data (so `learnlab report` redraws it): the
measured bubble against the number of micro-batches, beside GPipe's (S - 1) / (M + S - 1)."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure


def bubble_figure(
    *,
    micro_batches: Sequence[int],
    measured: Sequence[float],
    low: Sequence[float],
    high: Sequence[float],
    replayed: Sequence[float],
    stages: int,
) -> Figure:
    """`measured`: the median over the timed steps of the stages' mean idle share, `low` and
    `high` the least and the most of those steps; `replayed` the schedule replayed with the
    measured passes, a core per stage (learnlab.scale.pipeline_timing.replayed_bubble)."""
    import numpy as np

    from learnlab.report.plots import new_figure

    fig = new_figure(6, 3.8)
    ax = fig.add_subplot(1, 1, 1)
    m = np.asarray(micro_batches, dtype=float)
    value = np.asarray(measured, dtype=float)
    below, above = value - np.asarray(low), np.asarray(high) - value
    ax.errorbar(
        m,
        value,
        yerr=[below, above],
        marker="o",
        capsize=3,
        label="measured: idle share of the wall clock",
    )
    ax.plot(m, replayed, marker="s", ls=":", label="replayed: a core per stage, free messages")
    grid = np.geomspace(m.min(), m.max(), 200) if len(m) > 1 else m
    theory = (stages - 1) / (grid + stages - 1)
    ax.plot(grid, theory, "--", color="gray", label=f"theory (S-1)/(M+S-1), S={stages}")
    ax.set_xscale("log", base=2)
    ax.set_xticks(m, [str(int(v)) for v in m])
    ax.set_ylim(0, 1)
    ax.set_xlabel("micro-batches M")
    ax.set_ylabel("bubble: idle share of a step")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig
