"""Figures of the autoencoders recipe: labelled rows of images (reconstructions, latent
interpolations) and a grid of samples, each drawn as one mosaic with one `imshow`.

Figures are matplotlib `Figure` objects with an Agg canvas, never pyplot (as in
learnlab.report.plots); matplotlib and numpy are imported inside the functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from learnlab.recipes.autoencoders import AutoencodersConfig

GAP = 2  # pixels between images in a mosaic
GAP_SHADE = 0.2  # their value: a light grey line in the gray_r colour map (ink is dark)


def mosaic(images: torch.Tensor, columns: int) -> torch.Tensor:
    """(N, C, H, W) or (N, H, W) images in [0, 1] tiled row-major into one grey (H', W') image,
    `GAP` light grey pixels apart (the first channel of a multi-channel image)."""
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


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def labelled_rows_figure(rows: list[tuple[str, torch.Tensor]], title: str) -> Figure:
    """One row of images per (label, images) pair, all rows the same length, labels on the
    left: e.g. originals above each model's reconstructions of them."""
    columns = len(rows[0][1])
    height = rows[0][1].shape[-2]
    grid = mosaic(torch.cat([images for _, images in rows]), columns)
    fig = _figure(1.0 + 0.55 * columns, 0.4 + 0.6 * len(rows))
    ax = fig.add_subplot()
    ax.imshow(grid.numpy(), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    ax.set_yticks([i * (height + GAP) + height / 2 for i in range(len(rows))])
    ax.set_yticklabels([label for label, _ in rows])
    ax.set_xticks([])
    ax.tick_params(length=0)
    ax.set_title(title)
    return fig


def sample_grid_figure(images: torch.Tensor, columns: int, title: str) -> Figure:
    """A square-ish grid of images without labels (samples from a generative model)."""
    rows = -(-len(images) // columns)
    fig = _figure(0.5 * columns + 0.4, 0.5 * rows + 0.5)
    ax = fig.add_subplot()
    ax.imshow(mosaic(images, columns).numpy(), cmap="gray_r", vmin=0, vmax=1)
    ax.set_axis_off()
    ax.set_title(title)
    return fig


# The digits whose images the figures show: one test image of each class for the
# reconstructions; pairs of classes for the latent walks.
INTERPOLATION_PAIRS = ((2, 7), (4, 9), (3, 8))
INTERPOLATION_STEPS = 10


def _first_of_each_class(y, classes) -> list[int]:
    return [int((y == c).nonzero()[0]) for c in classes]


def figures(models, x_test, y_test, config: AutoencodersConfig) -> dict[str, Any]:
    """The report's figures: reconstructions, VAE samples, latent-space interpolations."""
    import torch

    from learnlab.objectives.reconstruction import Corruption

    present = sorted(set(y_test.tolist()))
    originals = x_test[_first_of_each_class(y_test, present)]
    noisy = Corruption(config.masking, config.gaussian_std)(
        originals, torch.Generator().manual_seed(config.seed + 4)
    )
    with torch.no_grad():
        rows = [
            ("original", originals),
            ("dense", models["dense"].reconstruct(originals)),
            ("conv", models["conv"].reconstruct(originals)),
            ("corrupted input", noisy.clamp(0, 1)),
            ("denoising", models["denoising"].reconstruct(noisy)),
            ("VAE (mean z)", models["vae"].reconstruct(originals)),
        ]
        vae = models["vae"]
        samples = vae.sample(64, torch.Generator().manual_seed(config.seed + 5))
        walks = []
        weights = torch.linspace(0, 1, INTERPOLATION_STEPS).unsqueeze(1)
        for a, b in INTERPOLATION_PAIRS:
            if a not in present or b not in present:
                continue
            ends = x_test[_first_of_each_class(y_test, (a, b))]
            z = vae.encode(ends)
            path = (1 - weights) * z[0] + weights * z[1]
            walks.append((f"latent {a}→{b}", torch.sigmoid(vae.decode(path))))
            walks.append(
                (
                    f"pixels {a}→{b}",
                    (1 - weights.view(-1, 1, 1, 1)) * ends[0] + weights.view(-1, 1, 1, 1) * ends[1],
                )
            )
    result = {
        "reconstructions": labelled_rows_figure(
            rows,
            f"Test digits and their reconstructions (code {config.code})\n"
            f"denoising: from the input with {config.masking:.0%} of its pixels masked",
        ),
        "vae_samples": sample_grid_figure(
            samples,
            8,
            f"VAE samples: z ~ N(0, I), {config.latent}-d,\nshown as pixel probabilities",
        ),
    }
    if walks:
        result["vae_interpolation"] = labelled_rows_figure(
            walks, "Walks between two test digits: in the VAE's latent space vs. in pixels"
        )
    return result
