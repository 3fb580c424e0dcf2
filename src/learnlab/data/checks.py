"""Checks that decoded arrays form a valid labelled image split, with messages naming the file.

A data file can pass its format's own checks (a well-formed IDX or HDF5 file) and still not
be the data set it claims to be: images of another size, fewer labels than images, a label
10 in a ten-class set, a NaN stored as a label. Registered files are pinned by SHA-256, so
for them these checks are a second line of defence; for files whose hash is not pinned (a
user's own data set built with the same builders) they are the first. Each error names the
file, says what was found and what was expected, and what to do.
"""

from __future__ import annotations

import torch

from learnlab.io.errors import DataError

REPLACE_FILE = (
    "Delete the file and load again with download=True to fetch a fresh copy, or replace it "
    "with a good copy."
)


def _shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in shape)


def check_images(
    x: torch.Tensor,
    source: str,
    *,
    dataset: str,
    image_shape: tuple[int, ...],
    dtype: torch.dtype | None = None,
    fix: str = REPLACE_FILE,
) -> None:
    """Raise DataError unless `x` is a stack of images of `image_shape` (and `dtype`)."""
    if dtype is not None and x.dtype != dtype:
        raise DataError(f"{source} holds {x.dtype} values; {dataset} images are {dtype}. {fix}")
    if x.dim() != 1 + len(image_shape) or tuple(x.shape[1:]) != tuple(image_shape):
        found = _shape_text(tuple(x.shape[1:])) if x.dim() > 1 else "no image axes"
        raise DataError(
            f"{source} holds images of shape {found} (array {tuple(x.shape)}); {dataset} images "
            f"are {_shape_text(image_shape)}, an array (N, {', '.join(map(str, image_shape))}). "
            f"{fix}"
        )


def check_labels(
    y: torch.Tensor,
    source: str,
    *,
    dataset: str,
    num_classes: int,
    num_images: int,
    images_source: str,
    fix: str = REPLACE_FILE,
) -> None:
    """Raise DataError unless `y` holds `num_images` integer labels in 0..num_classes-1."""
    allowed = f"{dataset} labels are integers 0..{num_classes - 1}"
    if y.dim() != 1:
        raise DataError(
            f"{source} holds an array of shape {tuple(y.shape)}; labels are one number per "
            f"image, an array (N,). {fix}"
        )
    if len(y) != num_images:
        raise DataError(
            f"{source} holds {len(y):,} labels but {images_source} holds {num_images:,} images; "
            f"each image needs one label. One of the two files is damaged or from another "
            f"data set. {fix}"
        )
    if y.is_floating_point():
        bad = ~torch.isfinite(y) | (y != torch.round(y))
        if bool(bad.any()):
            i = int(bad.nonzero()[0, 0])
            raise DataError(
                f"{source}: the label at index {i:,} is {float(y[i])}; {allowed}. {fix}"
            )
    elif y.dtype == torch.bool or y.is_complex():
        raise DataError(f"{source} holds {y.dtype} labels; {allowed}. {fix}")
    out = (y < 0) | (y >= num_classes)
    if bool(out.any()):
        i = int(out.nonzero()[0, 0])
        value = y[i].item()
        raise DataError(
            f"{source}: the label at index {i:,} is {value:g} ({int(out.sum()):,} labels are "
            f"out of range); {allowed}. {fix}"
        )
