"""What bias-variance reproduces: the decomposition (Geman et al. 1992) and its two regimes,
the classical U-shaped trade-off and the variance peak at the interpolation threshold (Belkin
et al. 2019). Neither paper has numbers for these tasks: the claims are the shapes."""

from __future__ import annotations

from typing import Any

from learnlab.recipes.paper import Claim, Paper, Reproduction

PAPER = Paper(
    authors="Geman, Bienenstock, Doursat",
    year=1992,
    title="Neural networks and the bias/variance dilemma",
    venue=(
        "Neural Computation 4(1); the variance peak at the interpolation threshold: Belkin, "
        "Hsu, Ma & Mandal (2019), PNAS 116(32)"
    ),
)
U_RATIO = 1.15  # the U's arms: each end's total error at least this times the minimum


def polynomial_u_shape(summary: dict[str, Any]) -> float:
    """1 if the polynomials' total error is smallest at an interior degree and both ends are
    at least 1.15x that minimum."""
    return float(bool(summary.get("polynomial_u_shape", False)))


def variance_peak_at_threshold(summary: dict[str, Any]) -> float:
    """N of the largest variance of the random-feature fits over n (1: at the threshold)."""
    return float(summary.get("features_variance_peak_over_n", float("nan")))


def mlp_trade_off(summary: dict[str, Any]) -> float:
    """1 if the MLPs' bias^2 falls and their variance rises from the narrowest to the widest."""
    return float(bool(summary.get("mlp_trade_off", False)))


def identity_gap(summary: dict[str, Any]) -> float:
    """The largest relative gap between bias^2 + variance + noise and the error measured on
    fresh noisy test labels, over every model of every part."""
    return float(summary.get("largest_identity_gap", float("nan")))


def _yes(quantity: str, measure, why: str) -> Claim:
    return Claim(
        quantity=quantity, paper=1.0, measure=measure, tolerance=0.5, why_different=why, digits=1
    )


REPRODUCTION = Reproduction(
    paper=PAPER,
    setup=(
        "Known tasks with Gaussian noise (std 0.3), so bias^2, variance and noise are exact "
        "terms. Polynomials: y = sin(pi x) + e, x ~ U(-1, 1), 200 fresh training sets of 40 "
        "points, Legendre degrees 0 to 12 fitted by least squares. Random Fourier features: "
        "y = sin(pi x.u) + e on U(-1, 1)^5, 100 fresh sets of 40 points, N = 2 to 1,000 "
        "features (bandwidth 1), the minimum-norm least-squares fit. MLPs: 1-H-1 tanh "
        "networks on the 1-D task, 20 bootstrap resamples of one 40-point sample, 2,000 "
        "full-batch Adam steps (lr 0.01), H = 1 to 64. Test points: a 200-point grid (1-D) or "
        "200 uniform draws (5-D). The decomposition averages over the fits (Geman et al.); "
        "the papers have no numbers for these tasks, so the claims are the shapes (1 = holds) "
        "and the identity bias^2 + variance + noise = the error measured on fresh noisy "
        "labels (relative gap, 0 = exact; a Monte-Carlo check with one noise draw per fit)."
    ),
    claims=(
        _yes(
            "polynomials: total error U-shaped over the degree (1 = yes)",
            polynomial_u_shape,
            "the polynomials' total error is not U-shaped over these degrees",
        ),
        Claim(
            quantity="random features: N of the largest variance over n (Belkin et al.: 1)",
            paper=1.0,
            measure=variance_peak_at_threshold,
            tolerance=0.05,
            why_different="the variance peaks away from the interpolation threshold N = n",
        ),
        _yes(
            "MLPs: bias^2 falls and variance rises with width (1 = yes)",
            mlp_trade_off,
            "the MLPs' bias^2 does not fall or their variance does not rise with width",
        ),
        Claim(
            quantity="largest relative gap, bias^2 + variance + noise vs measured error",
            paper=0.0,
            measure=identity_gap,
            tolerance=0.1,  # Monte-Carlo error of one noise draw per fit and test point
            why_different="the decomposition does not add up to the measured error",
            digits=3,
        ),
    ),
    quick={
        "sets": 10,
        "feature_sets": 5,
        "mlp_sets": 3,
        "train_size": 12,
        "degrees": [0, 2, 4, 6],
        "feature_ratios": [0.5, 1.0, 2.0],
        "widths": [1, 8],
        "steps": 20,
        "test_points": 50,
        "progress": False,
    },
)
