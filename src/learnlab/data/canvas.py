"""A derived localisation task: small images (MNIST digits) pasted at random on a larger canvas.

Each image is placed with its top-left corner drawn uniformly among the positions that keep it
whole on a `size` x `size` canvas of zeros; the target box is the box of the digit's ink (its
pixels above `ink`), in canvas pixels as (x0, y0, x1, y1) with exclusive ends, so that
x1 - x0 is the ink's width. An image without ink gets the box of the whole pasted image.
The placements come from a CPU generator seeded with `seed`: the same seed gives the same
canvases on every run and device. With the label of the digit, this is the "classification
plus localisation" pair of tasks of lecture 000's multitask learning.

Example:
    >>> digit = torch.zeros(1, 4, 4); digit[0, 1:3, 2] = 1.0
    >>> canvas, box = digits_on_canvas(digit, size=6, seed=0)
    >>> canvas.shape, (box[0, 2] - box[0, 0]).item(), (box[0, 3] - box[0, 1]).item()
    (torch.Size([1, 1, 6, 6]), 1.0, 2.0)
"""

from __future__ import annotations

import torch
from torch import Tensor

from learnlab.io.errors import ConfigError


def ink_boxes(images: Tensor, ink: float = 0.0) -> Tensor:
    """The boxes (N, 4) of the pixels above `ink` in images (N, H, W): (x0, y0, x1, y1),
    ends exclusive; the whole image where there is no ink."""
    on = images > ink
    height, width = images.shape[-2:]
    rows, cols = on.any(dim=2), on.any(dim=1)  # (N, H): a row holds ink; (N, W): a column does

    def span(mask: Tensor, length: int) -> tuple[Tensor, Tensor]:
        index = torch.arange(length).expand_as(mask)
        first = torch.where(mask, index, length).min(dim=1).values
        last = torch.where(mask, index, -1).max(dim=1).values + 1
        empty = ~mask.any(dim=1)
        return first.masked_fill(empty, 0), last.masked_fill(empty, length)

    y0, y1 = span(rows, height)
    x0, x1 = span(cols, width)
    return torch.stack([x0, y0, x1, y1], dim=1).float()


def digits_on_canvas(
    images: Tensor, *, size: int, seed: int, ink: float = 0.0
) -> tuple[Tensor, Tensor]:
    """Images (N, H, W) or (N, 1, H, W) pasted at random on `size` x `size` canvases: float32
    canvases (N, 1, size, size) of the images' values and float32 ink boxes (N, 4) in canvas
    pixels. A canvas smaller than an image is a ConfigError."""
    if images.dim() == 4 and images.shape[1] == 1:
        images = images[:, 0]
    if images.dim() != 3 or len(images) == 0:
        raise ConfigError(
            f"digits_on_canvas takes a non-empty stack of images (N, H, W); got shape "
            f"{tuple(images.shape)}."
        )
    count, height, width = images.shape
    if isinstance(size, bool) or not isinstance(size, int) or size < max(height, width):
        raise ConfigError(
            f"canvas size {size!r} is smaller than the {height}x{width} images it must hold; "
            f"choose a canvas of at least {max(height, width)} pixels (the task uses 64)."
        )
    generator = torch.Generator().manual_seed(seed)
    top = torch.randint(0, size - height + 1, (count,), generator=generator)
    left = torch.randint(0, size - width + 1, (count,), generator=generator)
    # every pixel of image n lands at (top[n] + i, left[n] + j): one scatter for the whole stack
    rows = (top[:, None] + torch.arange(height))[:, :, None].expand(count, height, width)
    cols = (left[:, None] + torch.arange(width))[:, None, :].expand(count, height, width)
    canvases = torch.zeros(count, size, size)
    flat = (rows * size + cols).reshape(count, -1)
    canvases.view(count, -1).scatter_(1, flat, images.reshape(count, -1).float())
    offset = torch.stack([left, top, left, top], dim=1).float()
    return canvases.unsqueeze(1), ink_boxes(images, ink) + offset
