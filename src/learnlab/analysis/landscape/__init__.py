"""Loss landscapes: the objective along the line between two parameter sets (Goodfellow,
Vinyals & Saxe 2015) and on a plane of filter-normalised random directions through a solution
(Li, Xu, Taylor, Studer & Goldstein 2018), with batch-norm statistics frozen or recomputed at
every point, scans that resume where they stopped, and their figures.

    points      one point: weights in, batch-norm statistics, the objective over all the data
    line        linear_path, LineScan, largest_rise, barrier_height
    plane       loss_plane, PlaneScan
    directions  filter normalisation, random directions
    checkpoint  finished points in a JSON file, written atomically, read back on resume
    figures     line_scan_figure, plane_contour_figure

Example:
    >>> import torch
    >>> from torch import nn
    >>> model = nn.Linear(1, 1, bias=False).double()
    >>> start, end = {"weight": torch.zeros(1, 1).double()}, {"weight": torch.ones(1, 1).double()}
    >>> batch = (torch.ones(4, 1).double(), torch.ones(4, 1).double())
    >>> mse = lambda m, b: (((m(b[0]) - b[1]) ** 2).mean(), {})
    >>> scan = linear_path(model, mse, batch, start, end, alphas=[0, 0.5, 1])
    >>> scan.loss.tolist(), scan.largest_rise()
    ([1.0, 0.25, 0.0], 0.0)
"""

from learnlab.analysis.landscape.directions import filter_normalized, random_directions
from learnlab.analysis.landscape.line import (
    LineScan,
    barrier_height,
    largest_rise,
    linear_path,
)
from learnlab.analysis.landscape.plane import PlaneScan, loss_plane

__all__ = [
    "LineScan",
    "PlaneScan",
    "barrier_height",
    "filter_normalized",
    "largest_rise",
    "linear_path",
    "loss_plane",
    "random_directions",
]
