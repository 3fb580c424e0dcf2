"""The moe-cascade recipe's figures, drawn from stored data (so `learnlab report` redraws them):
expert loads and routing of the mixtures, the cascade's threshold sweep, siamese one-shot
episodes, and the bilinear layer against additive models."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from matplotlib.figure import Figure

if TYPE_CHECKING:
    from torch import Tensor


def expert_load_figure(*, loads: Mapping[str, Sequence[float]], experts: int) -> Figure:
    """One group of bars per expert: the fraction of test examples each model routes to it
    (soft gating: its mean gate weight), against the uniform load."""
    import torch

    from learnlab.report.plots import new_figure

    fig = new_figure(8, 3.2)
    ax = fig.add_subplot(1, 1, 1)
    width = 0.8 / max(1, len(loads))
    positions = torch.arange(experts, dtype=torch.float64)
    for i, (key, load) in enumerate(loads.items()):
        ax.bar((positions + (i - (len(loads) - 1) / 2) * width).tolist(), load, width, label=key)
    ax.axhline(1 / experts, color="black", linewidth=0.8, linestyle="--", label="uniform")
    ax.set_xlabel("expert")
    ax.set_ylabel("fraction of examples (soft: mean weight)")
    ax.set_xticks(range(experts))
    ax.legend(fontsize=8)
    return fig


def routing_figure(*, names: Sequence[str], routing: Tensor, experts: int) -> Figure:
    """One panel per mixture: the fraction of each digit's test examples whose top-1 expert is
    e; `routing` is (mixtures, classes, experts)."""
    from learnlab.report.plots import new_figure

    fig = new_figure(3.4 * len(names), 3.4)
    for i, key in enumerate(names):
        ax = fig.add_subplot(1, len(names), i + 1)
        ax.imshow(routing[i].numpy(), vmin=0, vmax=1, cmap="Blues", aspect="auto")
        ax.set_title(key, fontsize=9)
        ax.set_xlabel("top-1 expert")
        ax.set_ylabel("digit")
        ax.set_yticks(range(10))
        ax.set_xticks(range(experts))
    return fig


def threshold_sweep_figure(
    *,
    threshold: Tensor,
    cheap_recall: Tensor,
    cascade_recall: Tensor,
    fraction_to_expensive: Tensor,
    chosen: float,
    cheap_flops_ratio: float | None = None,
) -> Figure:
    """Recall of the cheap stage and of the cascade, and the share of images that reach the
    expensive model, against the cheap stage's threshold (log axis); the chosen one dashed.
    With `cheap_flops_ratio` (the cheap stage's FLOPs over the expensive one's), also the
    cascade's FLOPs per example relative to the expensive model alone: that ratio plus the
    share that reaches it."""
    from learnlab.report.plots import new_figure

    fig = new_figure(7, 3.6)
    ax = fig.add_subplot(1, 1, 1)
    t = threshold.numpy()
    ax.plot(t, cheap_recall.numpy(), label="cheap stage recall")
    ax.plot(t, cascade_recall.numpy(), label="cascade recall")
    ax.plot(t, fraction_to_expensive.numpy(), label="fraction to the expensive model")
    if cheap_flops_ratio is not None:
        flops = cheap_flops_ratio + fraction_to_expensive.numpy()
        ax.plot(t, flops, linestyle=":", label="cascade FLOPs / expensive alone")
    ax.axvline(max(chosen, 1e-6), color="black", linestyle="--", linewidth=0.8, label="chosen")
    ax.set_xscale("log")
    ax.set_xlabel("cheap stage threshold (probability of the positive class)")
    ax.set_ylabel("fraction")
    ax.legend(fontsize=8)
    return fig


def episode_figure(
    *, images: Tensor, answer: Sequence[int], guess: Sequence[int], classes: Sequence[int]
) -> Figure:
    """One row per episode: the N supports (the chosen one framed: green right, red wrong),
    then the query; `images` is (episodes, N + 1, H, W), supports first."""
    from learnlab.report.plots import new_figure

    rows, cols = len(answer), len(classes) + 1
    fig = new_figure(1.3 * cols, 1.4 * rows)
    axes = fig.subplots(rows, cols, squeeze=False)
    for r in range(rows):
        for c in range(cols):
            ax = axes[r][c]
            ax.imshow(images[r, c].numpy(), cmap="gray_r")
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(classes):
                ax.set_title(f"support {classes[c]}", fontsize=8)
                if c == guess[r]:
                    color = "green" if guess[r] == answer[r] else "red"
                    for spine in ax.spines.values():
                        spine.set_color(color)
                        spine.set_linewidth(3)
            else:
                ax.set_title(f"query ({classes[answer[r]]})", fontsize=8)
    fig.suptitle("one-shot episodes: framed = the siamese network's choice", fontsize=9)
    return fig


def bilinear_figure(
    *,
    curves: Mapping[str, Sequence[float]],
    sizes: Sequence[int],
    accuracies: Sequence[float],
    bilinear_point: Sequence[float],
    chance: float,
) -> Figure:
    """Left: test accuracy per epoch of the first models; right: final test accuracy of the
    MLPs against their parameter count, with the bilinear layer as a star."""
    from learnlab.report.plots import new_figure

    fig = new_figure(10, 3.6)
    left, right = fig.subplots(1, 2)
    for label, curve in curves.items():
        left.plot(range(1, len(curve) + 1), curve, label=label)
    left.axhline(chance, color="gray", linestyle=":", label="chance")
    left.set_xlabel("epoch")
    left.set_ylabel("test accuracy")
    left.set_title("test accuracy per epoch")
    left.legend(fontsize=8)
    right.plot(sizes, accuracies, "o-", label="MLP on concat(x, z)")
    right.plot(*bilinear_point, "r*", markersize=14, label="bilinear x^T W z")
    right.axhline(chance, color="gray", linestyle=":", label="chance")
    right.set_xscale("log")
    right.set_xlabel("parameters")
    right.set_ylabel("test accuracy")
    right.set_title("final test accuracy against parameters")
    right.legend(fontsize=8)
    return fig
