"""What the interpolation recipe reproduces: Goodfellow, Vinyals & Saxe (2015), and how our
numbers are read from the summary."""

from __future__ import annotations

from typing import Any

from learnlab.recipes.paper import Claim, Paper, Reproduction

PAPER = Paper(
    authors="Goodfellow, Vinyals, Saxe",
    year=2015,
    title="Qualitatively characterizing neural network optimization problems",
    venue="ICLR 2015 (arXiv:1412.6544)",
)


def relative_rise(summary: dict[str, Any]) -> float:
    """The largest rise of the training loss on the way from initialisation to solution,
    as a fraction of the loss's range along that part of the line (0: a monotone fall)."""
    return float(summary["init_to_solution_largest_rise_relative"])


REPRODUCTION = Reproduction(
    paper=PAPER,
    setup=(
        "Two ReLU MLPs 784-256-256-10 (seeds 0 and 1: different initialisations and data "
        "orders) trained on all 60,000 MNIST training images for 10 epochs of SGD with "
        "momentum 0.9 (batch 128, learning rate 0.05). The cross-entropy and the accuracy on "
        "10,000 training and the 10,000 test images along theta(a) = (1 - a) theta_0 + "
        "a theta_1 for 41 values of a from -0.5 to 1.5: from seed 0's initialisation to its "
        "solution, and from seed 0's solution to seed 1's; then a 21 x 21 grid of the "
        "training loss (5,000 images) on the plane of two filter-normalised Gaussian "
        "directions (Li et al. 2018; biases get none) around seed 0's solution, a and b in "
        "[-1, 1]. The paper's MNIST networks were maxout nets with dropout (and other "
        "architectures); it reports the shape of the curves, not a number: 'on a straight "
        "path from initialization to solution, a variety of state of the art neural networks "
        "never encounter any significant obstacles' (abstract). Its claim is encoded as a "
        "largest rise of 0 on that path; ours is measured relative to the loss's range on "
        "the path. The barrier between two solutions is reported beside it (max along the "
        "path minus the mean of the two ends); the paper gives no number for it."
    ),
    claims=(
        Claim(
            quantity=(
                "largest rise of the training loss from initialisation to solution, as a "
                "fraction of its range on the path (0 = it falls monotonically)"
            ),
            paper=0.0,
            measure=relative_rise,
            # 1% of the range: a rise the figure would not show as an obstacle
            tolerance=0.01,
            why_different=(
                "the loss rises on the way to the solution: an obstacle on the straight path "
                "(a ReLU MLP trained by SGD, not the paper's maxout network)"
            ),
            digits=3,
        ),
    ),
    quick={
        "limit_train": 1000,
        "epochs": 1,
        "width": 32,
        "eval_train": 500,
        "eval_test": 500,
        "line_points": 9,
        "plane_points": 5,
        "plane_train": 300,
    },
)
