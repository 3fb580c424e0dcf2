"""The gallery of the worst-classified test images: the examples a classifier of images gets
most wrong, shown with their true class, the class it chose and its confidence.

Looking at the examples with the highest loss is the quickest check of what a model has not
learnt (and of label noise: a "mistake" that looks right is often a wrong label). The test
images are not in the run directory, so the pipeline picks the gallery when it evaluates
(`gallery_outputs`: the `GALLERY_SIZE` test examples with the highest cross-entropy loss,
-log p(true class), worst first) and stores those few images, small uint8 copies, in
outputs.safetensors beside the test labels and probabilities; the report draws the gallery
from them (`gallery_section`), so `learnlab report RUN` redraws it from the run's files.
Only image data (examples of shape (C, H, W), C = 1 or 3) get a gallery.

Example:
    >>> import torch
    >>> labels = torch.tensor([0, 1, 1])
    >>> probabilities = torch.tensor([[0.9, 0.1], [0.8, 0.2], [0.4, 0.6]])
    >>> worst_indices(labels, probabilities, 2).tolist()
    [1, 2]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from learnlab import runs

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from torch import Tensor

    from learnlab.report.html import Section
    from learnlab.report.run_files import RunFiles

GALLERY_SIZE = 24
COLUMNS = 8
_WRONG, _RIGHT = "#cf222e", "#1f2328"


def is_image_shape(shape: Sequence[int]) -> bool:
    """Whether examples of this shape are images: (channels, height, width), 1 or 3 channels."""
    return len(shape) == 3 and shape[0] in (1, 3) and min(shape[1:]) >= 4


def worst_indices(labels: Tensor, probabilities: Tensor, count: int) -> Tensor:
    """Positions of the `count` examples with the highest loss -log p(true class), worst
    first; equal losses in the order of the examples."""
    import torch

    p_true = probabilities.double().gather(1, labels.long()[:, None]).squeeze(1)
    return torch.sort(p_true, stable=True).indices[:count]


def display_images(images: Tensor, scale: float) -> Tensor:
    """Images as uint8 in 0..255: divided by the data set's `scale` (its white) when that puts
    them in [0, 1], else stretched from their minimum to their maximum."""
    import torch

    x = images.double() / scale
    low, high = float(x.min()), float(x.max())
    if low < 0.0 or high > 1.0:
        x = (x - low) / (high - low) if high > low else torch.zeros_like(x)
    return (x.clamp(0.0, 1.0) * 255.0).round().to(torch.uint8)


def gallery_outputs(
    input_shape: Sequence[int],
    test_images: Tensor,
    scale: float,
    labels: Tensor,
    probabilities: Tensor,
) -> dict[str, Tensor]:
    """The gallery's tensors for outputs.safetensors: the worst-classified images of the test
    split (`test_images` as the data set stores them, in the order of `labels`) and their
    positions; nothing for data that are not images."""
    if not is_image_shape(input_shape):
        return {}
    indices = worst_indices(labels, probabilities, GALLERY_SIZE)
    return {
        runs.GALLERY_INDICES_KEY: indices,
        runs.GALLERY_IMAGES_KEY: display_images(test_images[indices], scale),
    }


def gallery_figure(
    images: Tensor, true: Sequence[str], predicted: Sequence[str], confidence: Sequence[float]
) -> Figure:
    """A grid of uint8 images (G, C, H, W), each titled with its true class and the model's
    answer with its probability; misclassified ones in red."""
    from learnlab.report.plots import new_figure

    rows = max(1, -(-len(images) // COLUMNS))
    fig = new_figure(1.15 * COLUMNS, 1.5 * rows)
    axes = fig.subplots(rows, COLUMNS, squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i >= len(images):
            continue
        image = images[i].permute(1, 2, 0).numpy()  # (H, W, C) as matplotlib wants
        if image.shape[2] == 1:
            ax.imshow(image[:, :, 0], cmap="gray", vmin=0, vmax=255, interpolation="nearest")
        else:
            ax.imshow(image, interpolation="nearest")
        colour = _RIGHT if true[i] == predicted[i] else _WRONG
        title = f"true {true[i]}\nmodel {predicted[i]} ({100 * confidence[i]:.0f}%)"
        ax.set_title(title, fontsize=7.5, color=colour)
    return fig


def gallery_section(run: RunFiles) -> Section | None:
    """The section, or None for a run without stored gallery images (not image data, or made
    before galleries were stored)."""
    from learnlab.formatting import format_number
    from learnlab.report.html import Section, figure_html

    images = run.outputs.get(runs.GALLERY_IMAGES_KEY)
    indices = run.outputs.get(runs.GALLERY_INDICES_KEY)
    labels = run.outputs.get(runs.TEST_LABELS_KEY)
    probabilities = run.outputs.get(runs.TEST_PROBABILITIES_KEY)
    if images is None or indices is None or labels is None or probabilities is None:
        return None
    if len(indices) == 0:
        return None
    k = probabilities.shape[1]
    names = run.class_names or [str(c) for c in range(k)]
    chosen = probabilities[indices]
    predicted = chosen.argmax(dim=1)
    true = [names[int(c)] for c in labels[indices]]
    answers = [names[int(c)] for c in predicted]
    figure = gallery_figure(images, true, answers, chosen.max(dim=1).values.tolist())
    wrong_shown = sum(t != a for t, a in zip(true, answers, strict=True))
    wrong_all = int((probabilities.argmax(dim=1) != labels).sum())
    caption = (
        f"The {len(indices)} test images with the highest loss (the lowest probability given "
        "to the true class), worst first: the true class, the model's answer and its "
        f"probability; red: misclassified ({wrong_shown} here, "
        f"{format_number(wrong_all)} of the {format_number(len(labels))} test images in all)."
    )
    body = figure_html(figure, caption)
    return Section("gallery", "Worst-classified test images", body)
