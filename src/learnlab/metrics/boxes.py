"""Intersection over union of axis-aligned boxes: the score of a localisation.

Boxes are (x0, y0, x1, y1) with x0 <= x1 and y0 <= y1 (a predicted box whose corners come out
swapped has no area: its width or height counts as 0). IoU = area(A and B) / area(A or B), in
[0, 1]: 1 for the same box, 0 for boxes that do not overlap (and for two boxes without area).
`box_iou` pairs box i of one set with box i of the other (not every pair, as a detector's
matching would).

Example:
    >>> import torch
    >>> box_iou(torch.tensor([[0.0, 0.0, 2.0, 2.0]]), torch.tensor([[1.0, 1.0, 3.0, 3.0]]))
    tensor([0.1429])
"""

from __future__ import annotations

import torch
from torch import Tensor

from learnlab.io.errors import DataError


def box_area(boxes: Tensor) -> Tensor:
    """The areas (N,) of boxes (N, 4); a side with its ends swapped counts as 0."""
    width = (boxes[:, 2] - boxes[:, 0]).clamp(min=0)
    height = (boxes[:, 3] - boxes[:, 1]).clamp(min=0)
    return width * height


def box_iou(predicted: Tensor, target: Tensor) -> Tensor:
    """The IoU (N,) of predicted[i] with target[i], both (N, 4) as (x0, y0, x1, y1)."""
    if predicted.shape != target.shape or predicted.dim() != 2 or predicted.shape[1] != 4:
        raise DataError(
            f"box_iou pairs two (N, 4) sets of boxes (x0, y0, x1, y1); got shapes "
            f"{tuple(predicted.shape)} and {tuple(target.shape)}."
        )
    corner_low = torch.maximum(predicted[:, :2], target[:, :2])
    corner_high = torch.minimum(predicted[:, 2:], target[:, 2:])
    overlap = (corner_high - corner_low).clamp(min=0).prod(dim=1)
    union = box_area(predicted) + box_area(target) - overlap
    return torch.where(union > 0, overlap / union.clamp(min=torch.finfo(union.dtype).tiny), 0.0)


def mean_iou(predicted: Tensor, target: Tensor) -> float:
    """The mean IoU over the pairs."""
    return float(box_iou(predicted.float(), target.float()).mean())
