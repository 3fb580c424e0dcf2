"""IoU of paired boxes against hand-computed cases."""

from __future__ import annotations

import pytest
import torch

from learnlab.io.errors import DataError
from learnlab.metrics.boxes import box_area, box_iou, mean_iou


def test_iou_of_hand_computed_pairs():
    predicted = torch.tensor(
        [
            [0.0, 0.0, 2.0, 2.0],  # against (1, 1, 3, 3): overlap 1, union 4 + 4 - 1 = 7
            [0.0, 0.0, 4.0, 4.0],  # contains (1, 1, 3, 3): 4 / 16
            [0.0, 0.0, 1.0, 1.0],  # disjoint from (2, 2, 3, 3)
            [1.0, 2.0, 5.0, 4.0],  # the same box
            [3.0, 3.0, 1.0, 1.0],  # corners swapped: no area
            [0.0, 0.0, 2.0, 1.0],  # touches (2, 0, 3, 1) along an edge
        ]
    )
    target = torch.tensor(
        [
            [1.0, 1.0, 3.0, 3.0],
            [1.0, 1.0, 3.0, 3.0],
            [2.0, 2.0, 3.0, 3.0],
            [1.0, 2.0, 5.0, 4.0],
            [1.0, 1.0, 3.0, 3.0],
            [2.0, 0.0, 3.0, 1.0],
        ]
    )
    expected = [1 / 7, 0.25, 0.0, 1.0, 0.0, 0.0]
    assert box_iou(predicted, target).tolist() == pytest.approx(expected)
    assert box_area(predicted).tolist() == [4.0, 16.0, 1.0, 8.0, 0.0, 2.0]
    assert mean_iou(predicted, target) == pytest.approx(sum(expected) / 6)


def test_iou_is_symmetric_and_zero_for_two_boxes_without_area():
    a, b = torch.rand(20, 2) * 5, torch.rand(20, 2) * 5
    boxes = torch.cat([a, a + torch.rand(20, 2) * 3], dim=1)
    others = torch.cat([b, b + torch.rand(20, 2) * 3], dim=1)
    assert torch.allclose(box_iou(boxes, others), box_iou(others, boxes))
    point = torch.tensor([[1.0, 1.0, 1.0, 1.0]])
    assert box_iou(point, point).tolist() == [0.0]


def test_mismatched_shapes_are_refused():
    with pytest.raises(DataError, match=r"\(N, 4\)"):
        box_iou(torch.zeros(3, 4), torch.zeros(2, 4))
