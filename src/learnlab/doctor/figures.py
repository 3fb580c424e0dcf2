"""The doctor's figures: activation and gradient statistics per layer, the overfitting curve,
the learning-rate range test, and the worst examples as images.

Built as matplotlib `Figure`s with an Agg canvas (no pyplot state), like
`learnlab.report.plots`; matplotlib is imported inside the functions.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from torch import Tensor


def _new_figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _finite(values: list) -> list[float]:
    return [float(v) if v is not None and math.isfinite(float(v)) else math.nan for v in values]


def layer_stats_figure(rows: list[dict]) -> Figure:
    """Activation std and gradient norms per layer (log scale), in call order."""
    fig = _new_figure(9.6, 3.4)
    left, right = fig.subplots(1, 2)
    positions = list(range(len(rows)))
    labels = [str(r["layer"]) for r in rows]
    left.bar(positions, _finite([r["std"] for r in rows]), color="#4c72b0")
    left.set_title("activation std per layer")
    for key, marker in (("|grad output|", "o"), ("|grad W|", "s")):
        right.plot(positions, _finite([r[key] for r in rows]), marker=marker, label=key)
    right.set_yscale("log")
    right.set_title("gradient norms per layer")
    right.legend(fontsize=8)
    for ax in (left, right):
        ax.set_xticks(positions, labels, rotation=60, ha="right", fontsize=7)
        ax.grid(True, alpha=0.3)
    return fig


def overfit_figure(losses: list[float], accuracies: list[tuple[int, float]]) -> Figure:
    """Training loss at every step on the tiny batch, and its accuracy where measured."""
    fig = _new_figure(7.0, 3.0)
    ax = fig.add_subplot()
    ax.plot(range(1, len(losses) + 1), _finite(losses), label="loss")
    ax.set_xlabel("step")
    ax.set_ylabel("training loss")
    ax.set_yscale("log")
    ax.grid(True, alpha=0.3)
    if accuracies:
        twin = ax.twinx()
        steps, values = zip(*accuracies, strict=True)
        twin.plot(steps, [100 * v for v in values], color="#dd8452", marker=".", label="accuracy")
        twin.set_ylabel("accuracy (%)")
        twin.set_ylim(0, 105)
    return fig


def lr_range_figure(
    lrs: list[float],
    smoothed: list[float],
    *,
    suggested: float | None,
    exploded_at: float | None,
    configured: float | None,
) -> Figure:
    """Smoothed loss against the learning rate (log axis), with the suggested, exploding and
    configured rates marked."""
    fig = _new_figure(7.0, 3.2)
    ax = fig.add_subplot()
    ax.plot(lrs, _finite(smoothed), color="#4c72b0", label="smoothed loss")
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("loss")
    finite = [v for v in _finite(smoothed) if not math.isnan(v)]
    if finite:
        ax.set_ylim(min(finite) * 0.9, min(max(finite), 4 * min(finite)) * 1.1)
    marks = (
        (suggested, "suggested", "#55a868", "--"),
        (exploded_at, "loss explodes", "#c44e52", ":"),
        (configured, "configured", "#8172b3", "-."),
    )
    for value, label, color, style in marks:
        if value is not None:
            ax.axvline(value, color=color, linestyle=style, label=f"{label} {value:.2g}")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def examples_figure(images: Tensor, titles: list[str], columns: int = 8) -> Figure:
    """A grid of images (N, C, H, W) or (N, H, W) with a title each; each image is scaled to
    its own range (the inputs are normalised)."""
    n = len(images)
    rows = max(1, math.ceil(n / columns))
    fig = _new_figure(1.2 * columns, 1.45 * rows)
    axes = fig.subplots(rows, columns, squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if k >= n:
            continue
        image = images[k].detach().float().cpu()
        if image.dim() == 3:
            image = image[0] if image.shape[0] == 1 else image.permute(1, 2, 0)
        if image.dim() == 3:  # colour: scale into [0, 1] for imshow
            image = (image - image.min()) / (image.max() - image.min()).clamp_min(1e-12)
        ax.imshow(image.numpy(), cmap="gray" if image.dim() == 2 else None)
        ax.set_title(titles[k], fontsize=7)
    return fig
