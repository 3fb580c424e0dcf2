"""What double-descent reproduces: the mnist1d notebook's MLP width sweep on MNIST-1D with 15%
label noise, and Belkin et al.'s random Fourier features on MNIST; how ours is read."""

from __future__ import annotations

import math
from typing import Any

from learnlab.recipes.paper import Claim, Paper, Reproduction

PAPER = Paper(
    authors="Belkin, Hsu, Ma, Mandal",
    year=2019,
    title="Reconciling modern machine-learning practice and the classical bias-variance trade-off",
    venue=(
        "PNAS 116(32), the RFF-on-MNIST figure; part (a) follows Greydanus's mnist1d "
        "repository, notebooks/deep-double-descent.ipynb (commit 9129ceb)"
    ),
)

# the notebook's test errors (%) with label noise, one run per width (commit 9129ceb)
NOTEBOOK = {16: 47.24, 47: 54.05, 300: 45.47}
TARGET_RATIO = 1.15  # the issue's: the peak >= 1.15x the minimum on each side


def test_error_at(width: int):
    def measure(summary: dict[str, Any]) -> float:
        return float(summary.get(f"mnist1d_test_percent_{width}", math.nan))

    measure.__doc__ = f"Our test error (%) at H = {width}, nan where the sweep skips it."
    return measure


def mnist1d_left_ratio(summary: dict[str, Any]) -> float:
    return float(summary.get("mnist1d_ratio_left") or math.nan)


def mnist1d_right_ratio(summary: dict[str, Any]) -> float:
    return float(summary.get("mnist1d_ratio_right") or math.nan)


def rff_peak_at_n(summary: dict[str, Any]) -> float:
    """N at the largest RFF test error over n (1: the peak is at the interpolation threshold)."""
    return float(summary.get("rff_peak_over_n", math.nan))


def rff_targets_met(summary: dict[str, Any]) -> float:
    """1 if the RFF test error at N = n is >= 1.15x the minimum on each side."""
    return float(bool(summary.get("rff_target_met", False)))


REPRODUCTION = Reproduction(
    paper=PAPER,
    setup=(
        "(a) MNIST-1D generated as the notebook does (mnist1d's make_dataset, 16,000 signals, "
        "train_split 0.25: 4,000 training, 12,000 test), each training label replaced with "
        "probability 0.15 by a uniform class; MLP 40-H-H-10 (ReLU, torch's initialisation), "
        "SGD lr 0.01 momentum 0.9, batch 100, 500 epochs, one seed per width, H in "
        "np.unique(np.geomspace(2, 300, 20)). Widths are trained as batched ensembles: groups "
        "of widths padded to the group's largest with 0/1 masks (learnlab.scale."
        "padded_widths; equal to separate runs). Our label noise and initialisation draws "
        "differ from the notebook's (its seeds are not fixed). (b) Random Fourier features "
        "cos(<v, x> + b) (v ~ N(0, I / 5^2), b ~ U(0, 2 pi); the real form, so the threshold "
        "is N = n) on a random subset of n = 2,000 MNIST training images (pixels in [0, 1]), "
        "one-hot targets, the minimum-norm least-squares fit, zero-one test error on 10,000 "
        "test images, N from 0.1 n to 5 n. Belkin et al. use n = 10,000 and complex "
        "features: our n is smaller so that the sweep fits the time budget (an SVD or "
        "eigendecomposition of an n x n matrix per N, cost ~ n^3: n = 4,000 took over 4 "
        "minutes of CPU time; --set rff_train_size=10000 runs the paper's size in hours)."
    ),
    claims=(
        *(
            Claim(
                quantity=f"(a) test error (%) at H = {width} (notebook, one run)",
                paper=value,
                measure=test_error_at(width),
                tolerance=3.0,  # one run per width: the notebook's own curve wobbles by ~3
                why_different="one run per width with other label-noise and initial draws",
                spread=None,
            )
            for width, value in NOTEBOOK.items()
        ),
        Claim(
            quantity="(a) peak test error over the minimum at smaller H (target >= 1.15)",
            paper=round(NOTEBOOK[47] / NOTEBOOK[16], 3),
            measure=mnist1d_left_ratio,
            tolerance=0.1,
            why_different="a higher or lower peak than the notebook's single run",
            digits=3,
        ),
        Claim(
            quantity="(a) peak test error over the minimum at larger H (target >= 1.15)",
            paper=round(NOTEBOOK[47] / NOTEBOOK[300], 3),
            measure=mnist1d_right_ratio,
            tolerance=0.1,
            why_different="a higher or lower peak than the notebook's single run",
            digits=3,
        ),
        Claim(
            quantity="(b) N of the largest RFF test error, over n (the paper: the peak at N = n)",
            paper=1.0,
            measure=rff_peak_at_n,
            tolerance=0.05,
            why_different="the RFF test error peaks away from the interpolation threshold",
        ),
        Claim(
            quantity="(b) RFF test error at N = n >= 1.15x the minimum on each side (1 = yes)",
            paper=1.0,
            measure=rff_targets_met,
            tolerance=0.5,  # 0 or 1: agreeing means 1
            why_different="the RFF peak at N = n is lower than 1.15x a side's minimum",
            digits=1,
        ),
    ),
    quick={
        "widths": [2, 8, 32],
        "epochs": 2,
        "mnist1d_samples": 600,
        "mnist1d_train_split": 0.5,
        "rff_train_size": 60,
        "rff_test_size": 100,
        "rff_feature_ratios": [0.5, 1.0, 2.0],
        "progress": False,
    },
)
