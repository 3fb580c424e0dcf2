"""The autoencoders recipe's figures: labelled rows of images (test digits and their
reconstructions, walks between two digits) and a grid of the VAE's samples, each drawn as one
mosaic with one `imshow`.

`figure_specs` computes the images from the trained models; the drawing functions draw them
from that stored data alone, so `learnlab report` redraws the figures from the run directory.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from learnlab.recipes.autoencoders.config import AutoencodersConfig
from learnlab.recipes.autoencoders.data import Mnist
from learnlab.result import FigureSpec

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from torch import Tensor, nn

GAP = 2  # pixels between images in a mosaic
GAP_SHADE = 0.2  # their value: a light grey line in the gray_r colour map (ink is dark)
# The digits the figures show: one test image of each class for the reconstructions; pairs of
# classes for the latent walks.
INTERPOLATION_PAIRS = ((2, 7), (4, 9), (3, 8))
INTERPOLATION_STEPS = 10
SAMPLE_COLUMNS = 8
# seed offsets of the figures' random draws (see denoising.TEST_NOISE_SEED)
FIGURE_NOISE_SEED, SAMPLES_SEED = 4, 5


# ---- drawing, from stored data -------------------------------------------------------------


def mosaic(images: Tensor, columns: int) -> Tensor:
    """(N, C, H, W) or (N, H, W) images in [0, 1] tiled row-major into one grey (H', W') image,
    `GAP` light grey pixels apart (the first channel of a multi-channel image)."""
    import torch

    if images.dim() == 4:
        images = images[:, 0]
    n, height, width = images.shape
    rows = -(-n // columns)
    canvas = torch.full((rows * (height + GAP) - GAP, columns * (width + GAP) - GAP), GAP_SHADE)
    for i, image in enumerate(images.detach().float().cpu().clamp(0, 1)):
        r, c = divmod(i, columns)
        top, left = r * (height + GAP), c * (width + GAP)
        canvas[top : top + height, left : left + width] = image
    return canvas


def labelled_rows_figure(*, images: Tensor, labels: Sequence[str], title: str) -> Figure:
    """One row of images (R, C, H, W) per label, labels on the left: e.g. test digits above
    each model's reconstructions of them."""
    from learnlab.report.plots import new_figure

    rows, columns, height = images.shape[0], images.shape[1], images.shape[2]
    fig = new_figure(1.0 + 0.55 * columns, 0.4 + 0.6 * rows)
    ax = fig.add_subplot()
    grid = mosaic(images.flatten(0, 1), columns)
    ax.imshow(grid.numpy(), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    ax.set_yticks([i * (height + GAP) + height / 2 for i in range(rows)])
    ax.set_yticklabels(list(labels))
    ax.set_xticks([])
    ax.tick_params(length=0)
    ax.set_title(title)
    return fig


def sample_grid_figure(*, images: Tensor, columns: int, title: str) -> Figure:
    """A square-ish grid of images (N, H, W) without labels (samples of a generative model)."""
    from learnlab.report.plots import new_figure

    rows = -(-len(images) // columns)
    fig = new_figure(0.5 * columns + 0.4, 0.5 * rows + 0.5)
    ax = fig.add_subplot()
    ax.imshow(mosaic(images, columns).numpy(), cmap="gray_r", vmin=0, vmax=1)
    ax.set_axis_off()
    ax.set_title(title)
    return fig


# ---- the figures' data, from the trained models --------------------------------------------


def _first_of_each_class(y: Tensor, classes: Sequence[int]) -> list[int]:
    return [int((y == c).nonzero()[0]) for c in classes]


def _rows(rows: list[tuple[str, Tensor]]) -> dict[str, object]:
    """(label, images (C, 1, H, W)) pairs as the data of `labelled_rows_figure`."""
    import torch

    return {
        "images": torch.stack([images[:, 0] for _, images in rows]).contiguous(),
        "labels": [label for label, _ in rows],
    }


def _walks(vae: nn.Module, data: Mnist) -> list[tuple[str, Tensor]]:
    """For each pair of classes present: the decoded straight line between the two digits'
    posterior means, and the straight line between their pixels."""
    import torch

    present = set(data.y_test.tolist())
    weights = torch.linspace(0, 1, INTERPOLATION_STEPS).unsqueeze(1)
    walks = []
    for a, b in INTERPOLATION_PAIRS:
        if a not in present or b not in present:
            continue
        ends = data.x_test[_first_of_each_class(data.y_test, (a, b))]
        z = vae.encode(ends)
        path = (1 - weights) * z[0] + weights * z[1]
        walks.append((f"latent {a}→{b}", torch.sigmoid(vae.decode(path))))
        pixel_weights = weights.view(-1, 1, 1, 1)
        walks.append((f"pixels {a}→{b}", (1 - pixel_weights) * ends[0] + pixel_weights * ends[1]))
    return walks


def figure_specs(
    models: dict[str, nn.Module], data: Mnist, config: AutoencodersConfig
) -> list[FigureSpec]:
    """Reconstructions of one test digit per class, samples from the VAE's prior, and walks in
    its latent space (for the pairs of classes the test images hold)."""
    import torch

    from learnlab.objectives.reconstruction import Corruption

    present = sorted(set(data.y_test.tolist()))
    originals = data.x_test[_first_of_each_class(data.y_test, present)]
    noisy = Corruption(config.masking, config.gaussian_std)(
        originals, torch.Generator().manual_seed(config.seed + FIGURE_NOISE_SEED)
    )
    vae = models["vae"]
    with torch.no_grad():
        rows = [
            ("original", originals),
            ("dense", models["dense"].reconstruct(originals)),
            ("conv", models["conv"].reconstruct(originals)),
            ("corrupted input", noisy.clamp(0, 1)),
            ("denoising", models["denoising"].reconstruct(noisy)),
            ("VAE (mean z)", vae.reconstruct(originals)),
        ]
        samples = vae.sample(64, torch.Generator().manual_seed(config.seed + SAMPLES_SEED))
        walks = _walks(vae, data)
    title = (
        f"Test digits and their reconstructions (code {config.code})\n"
        f"denoising: from the input with {config.masking:.0%} of its pixels masked"
    )
    specs = [
        FigureSpec("reconstructions", labelled_rows_figure, {**_rows(rows), "title": title}),
        FigureSpec(
            "VAE samples",
            sample_grid_figure,
            {
                "images": samples[:, 0].contiguous(),
                "columns": SAMPLE_COLUMNS,
                "title": f"VAE samples: z ~ N(0, I), {config.latent}-d,\n"
                "shown as pixel probabilities",
            },
        ),
    ]
    if walks:
        title = "Walks between two test digits: in the VAE's latent space vs. in pixels"
        specs.append(
            FigureSpec("VAE latent walks", labelled_rows_figure, {**_rows(walks), "title": title})
        )
    return specs
