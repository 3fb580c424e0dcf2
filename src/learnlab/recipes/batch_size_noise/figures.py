"""The batch-size-noise figures, drawn from stored data (so `learnlab report` redraws them):
the standard error of the minibatch gradient against n beside the theory, and the time per
optimizer step against n, both log-log."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure


def standard_error_figure(
    *, batch_sizes: Sequence[int], points: Sequence[dict], population: int, replacement: bool
) -> Figure:
    """Per point (a dict with label, sigma, theory, measured): the measured standard error
    (markers), the theory (line) and the plain sigma/sqrt(n) (dotted) against n."""
    import numpy as np

    from learnlab.report.plots import new_figure

    fig = new_figure(6.4, 4.2)
    ax = fig.add_subplot(1, 1, 1)
    n = np.asarray(batch_sizes, dtype=float)
    for color, point in zip(("tab:blue", "tab:orange", "tab:green"), points, strict=False):
        measured, theory = np.asarray(point["measured"]), np.asarray(point["theory"])
        keep = theory > 0  # n = N without replacement: no error to draw on a log scale
        ax.plot(n[keep], theory[keep], color=color, label=f"{point['label']}: theory")
        ax.plot(n, point["sigma"] / np.sqrt(n), color=color, linestyle=":", linewidth=0.9)
        ax.scatter(
            n[keep],
            measured[keep],
            color=color,
            marker="o",
            s=22,
            label=f"{point['label']}: measured",
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("batch size n")
    ax.set_ylabel("standard error of the minibatch gradient")
    way = (
        "without replacement: sigma/sqrt(n) sqrt((N-n)/(N-1))"
        if not replacement
        else ("with replacement: sigma/sqrt(n)")
    )
    ax.set_title(f"N = {population}, {way}; dotted: sigma/sqrt(n)", fontsize=8)
    ax.legend(fontsize=8)
    return fig


def step_time_figure(*, batch_sizes: Sequence[int], seconds: Sequence[float]) -> Figure:
    """The median time per optimizer step against n, and the line through the largest n's
    time proportional to n (what a step would cost if it were all per-example work)."""
    import numpy as np

    from learnlab.report.plots import new_figure

    fig = new_figure(6.4, 4.2)
    ax = fig.add_subplot(1, 1, 1)
    n, ms = np.asarray(batch_sizes, dtype=float), 1000 * np.asarray(seconds)
    ax.plot(n, ms, marker="o", label="measured (median)")
    ax.plot(n, ms[-1] * n / n[-1], linestyle="--", color="gray", label="proportional to n")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("batch size n")
    ax.set_ylabel("time per optimizer step (ms)")
    ax.legend(fontsize=8)
    return fig
