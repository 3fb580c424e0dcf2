"""The unrolled-mrf figures, drawn from stored data: test error against the number of
unrolled iterations K, and example test images through every method."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

import torch
from matplotlib.figure import Figure


def _mean_std(values: Sequence[float]) -> tuple[float, float]:
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return 100 * statistics.fmean(values), 100 * spread


def error_against_iterations_figure(
    *,
    iterations: Sequence[int],
    learned: Sequence[Sequence[float]],
    hand: Sequence[Sequence[float]],
    cnn: Sequence[float],
    noisy: Sequence[float],
) -> Figure:
    """`learned[i]`, `hand[i]`: the seeds' test errors at K = iterations[i]."""
    from learnlab.report.plots import new_figure

    fig = new_figure(5.2, 3.6)
    ax = fig.add_subplot(1, 1, 1)
    for label, errors, colour in (
        ("learned MRF", learned, "tab:blue"),
        ("hand-set MRF", hand, "tab:orange"),
    ):
        means, stds = zip(*(_mean_std(e) for e in errors), strict=True)
        ax.errorbar(iterations, means, yerr=stds, marker="o", capsize=3, label=label, color=colour)
    for label, errors, style in (("CNN", cnn, "-."), ("noisy input", noisy, ":")):
        ax.axhline(_mean_std(errors)[0], color="black", linestyle=style, linewidth=1, label=label)
    ax.set_xscale("log")
    ax.set_xticks(list(iterations), [str(k) for k in iterations])
    ax.set_xlabel("unrolled mean-field iterations K")
    ax.set_ylabel("test pixel error (%)")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper right", fontsize=8)
    return fig


def denoising_examples_figure(*, rows: Sequence[str], **images: torch.Tensor) -> Figure:
    """One row per entry of `rows` (a keyword: images (n, 1, H, W) in [0, 1]), one column
    per test image; marginals are shown as grey levels."""
    from learnlab.report.plots import new_figure

    columns = int(images[rows[0]].shape[0])
    fig = new_figure(1.0 * columns + 1.4, 1.0 * len(rows) + 0.3)
    for r, name in enumerate(rows):
        for c in range(columns):
            ax = fig.add_subplot(len(rows), columns, r * columns + c + 1)
            ax.imshow(images[name][c, 0].numpy(), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(name.replace("_", " "), fontsize=7)
    return fig
