"""The zero-shot figures, drawn from stored data: unseen-digit accuracy per split, one point
per seed, against chance (part "attributes"); the similarity of the embedded descriptions and
the unseen-class confusion matrix (part "words")."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure


def unseen_accuracy_figure(
    *, splits: Sequence[str], accuracies: Sequence[Sequence[float]], chance: float
) -> Figure:
    from learnlab.report.plots import new_figure

    fig = new_figure(max(4.0, 1.1 * len(splits) + 2), 3.4)
    ax = fig.add_subplot(1, 1, 1)
    for i, values in enumerate(accuracies):
        ax.scatter([i] * len(values), [100 * v for v in values], color="tab:blue", s=18)
        ax.hlines(100 * sum(values) / len(values), i - 0.3, i + 0.3, color="tab:blue")
    ax.axhline(100 * chance, color="black", linestyle="--", linewidth=0.8, label="chance")
    ax.set_xticks(range(len(splits)), [f"{{{s}}}" for s in splits])
    ax.set_xlabel("unseen digits")
    ax.set_ylabel("unseen-digit test accuracy (%)")
    ax.set_ylim(0, 100)
    ax.legend(loc="lower right")
    return fig


def text_similarity_figure(
    *,
    classes: Sequence[str],
    descriptions: Sequence[Sequence[float]],
    names: Sequence[Sequence[float]],
) -> Figure:
    """Part "words": the cosine similarities of the ten classes' embedded descriptions and of
    their embedded names, side by side."""
    from learnlab.report.plots import new_figure

    fig = new_figure(10.5, 4.8)
    for i, (title, matrix) in enumerate((("descriptions", descriptions), ("names", names))):
        ax = fig.add_subplot(1, 2, i + 1)
        image = ax.imshow(matrix, vmin=0, vmax=1, cmap="viridis")
        ax.set_xticks(range(len(classes)), classes, rotation=90, fontsize=7)
        ax.set_yticks(range(len(classes)), classes, fontsize=7)
        ax.set_title(f"cosine similarity of the {title}", fontsize=9)
    fig.colorbar(image, ax=fig.axes, shrink=0.8)
    return fig


def unseen_confusion_figure(
    *, classes: Sequence[str], confusion: Sequence[Sequence[int]]
) -> Figure:
    """Part "words": the unseen classes' test images (rows: true class) by the class whose
    description was the most similar among that split's unseen classes, summed over splits and
    seeds and normalised per row."""
    import torch

    from learnlab.report.plots import new_figure

    counts = torch.as_tensor(confusion, dtype=torch.float64)
    rates = counts / counts.sum(1, keepdim=True).clamp(min=1)
    fig = new_figure(5.6, 5.0)
    ax = fig.add_subplot(1, 1, 1)
    image = ax.imshow(rates.numpy(), vmin=0, vmax=1, cmap="Blues")
    for i, j in zip(*rates.nonzero(as_tuple=True), strict=True):
        ax.text(
            int(j), int(i), f"{100 * float(rates[i, j]):.0f}", ha="center", va="center", fontsize=6
        )
    ax.set_xticks(range(len(classes)), classes, rotation=90, fontsize=7)
    ax.set_yticks(range(len(classes)), classes, fontsize=7)
    ax.set_xlabel("predicted (among the split's unseen classes)")
    ax.set_ylabel("true unseen class")
    fig.colorbar(image, ax=ax, shrink=0.8)
    return fig
