"""The split checks of learnlab.data.checks on small tensors: what passes, what is refused."""

from __future__ import annotations

import pytest
import torch

from learnlab.data.checks import REPLACE_FILE, check_images, check_labels
from learnlab.io.errors import DataError


def labels_ok(y: torch.Tensor, num_images: int | None = None) -> None:
    check_labels(
        y,
        "y.gz",
        dataset="toy",
        num_classes=3,
        num_images=len(y) if num_images is None else num_images,
        images_source="x.gz",
    )


def test_valid_images_and_labels_pass():
    check_images(torch.zeros(4, 5, 6, dtype=torch.uint8), "x.gz", dataset="toy", image_shape=(5, 6))
    labels_ok(torch.tensor([0, 1, 2, 2]))
    labels_ok(torch.tensor([0.0, 2.0]))  # integral floats, as USPS stores them
    labels_ok(torch.tensor([], dtype=torch.long))


@pytest.mark.parametrize(
    ("x", "says"),
    [
        (
            torch.zeros(4, 6, 5, dtype=torch.uint8),
            "shape 6x5 (array (4, 6, 5)); toy images are 5x6",
        ),
        (torch.zeros(4, 5, 6, 1, dtype=torch.uint8), "shape 5x6x1"),
        (torch.zeros(30, dtype=torch.uint8), "no image axes"),
        (torch.zeros(4, 5, 6), "holds torch.float32 values; toy images are torch.uint8"),
    ],
)
def test_wrong_images_are_refused(x, says):
    with pytest.raises(DataError) as err:
        check_images(x, "x.gz", dataset="toy", image_shape=(5, 6), dtype=torch.uint8)
    assert str(err.value).startswith("x.gz ") and says in str(err.value)
    assert REPLACE_FILE in str(err.value)


@pytest.mark.parametrize(
    ("y", "num_images", "says"),
    [
        (torch.tensor([0, 1, 2]), 4, "y.gz holds 3 labels but x.gz holds 4 images"),
        (torch.zeros(2, 2, dtype=torch.long), 2, "an array of shape (2, 2)"),
        (torch.tensor([0, 3, 1]), 3, "the label at index 1 is 3 (1 labels are out of range)"),
        (torch.tensor([0, -1, -2]), 3, "the label at index 1 is -1 (2 labels"),
        (torch.tensor([0.0, float("nan")]), 2, "the label at index 1 is nan"),
        (torch.tensor([float("inf"), 0.0]), 2, "the label at index 0 is inf"),
        (torch.tensor([0.0, 1.5]), 2, "the label at index 1 is 1.5"),
        (torch.tensor([True, False]), 2, "holds torch.bool labels"),
    ],
)
def test_wrong_labels_are_refused(y, num_images, says):
    with pytest.raises(DataError) as err:
        labels_ok(y, num_images)
    assert says in str(err.value)
    assert REPLACE_FILE in str(err.value)
