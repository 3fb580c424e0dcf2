"""What teacher-student-width reproduces: the lecture's qualitative statement, the paper that
makes it precise, and how ours is read."""

from __future__ import annotations

from typing import Any

from learnlab.recipes.paper import Claim, Paper, Reproduction

PAPER = Paper(
    authors="Safran, Shamir",
    year=2018,
    title="Spurious local minima are common in two-layer ReLU neural networks",
    venue=(
        "ICML 2018; the lecture's slide (L3, 'strangely non-convex') states the claim without "
        "a citation, and Livni, Shalev-Shwartz & Shamir (2014) call it over-specification"
    ),
)


def rises_strictly(summary: dict[str, Any]) -> float:
    """1 if the fraction of students below the threshold rises strictly from N to 2N to 4N."""
    return float(summary["fraction_rises_strictly"])


def teacher_sized_mostly_fail(summary: dict[str, Any]) -> float:
    """1 if fewer than half of the students of the teacher's own width reach the threshold."""
    return float(summary["fraction_1N"] < 0.5)


REPRODUCTION = Reproduction(
    paper=PAPER,
    setup=(
        "Inputs x ~ N(0, I_10); a random teacher with N = 4 ReLU hidden units and 2 outputs "
        "(weights and hidden biases ~ N(0, 1/fan_in), output biases centring each logit) labels "
        "2,000 training and 2,000 test points by its argmax (no margin: every drawn input is "
        "kept). Students with N, 2N, 4N and 8N hidden units, 32 seeds each (one batched "
        "ensemble per width), trained with Adam (lr 0.01, batch 100) for 600 epochs on the "
        "cross-entropy; a student succeeds when its final loss on the whole training set is "
        "below 0.005, a loss the teacher's own weights reach with their logits scaled up. The "
        "claims are the lecture's: a teacher-sized student is likely to fail, and the fraction "
        "that succeeds rises strictly from N to 2N to 4N (1 = holds, 0 = does not). Safran & "
        "Shamir state it for regression (squared loss on a sum of ReLUs with orthonormal "
        "teacher weights) and count runs ending at spurious minima; we use classification "
        "because learnlab's batched ensembles train classifiers, and count runs that stay "
        "above the loss threshold."
    ),
    claims=(
        Claim(
            quantity="fraction below the threshold rises strictly, N < 2N < 4N (1 = yes)",
            paper=1.0,
            measure=rises_strictly,
            tolerance=0.5,  # the measure is 0 or 1: agreeing means 1
            why_different="the fractions do not rise strictly with width for these seeds",
            digits=1,
        ),
        Claim(
            quantity="fewer than half of the N-unit students reach the threshold (1 = yes)",
            paper=1.0,
            measure=teacher_sized_mostly_fail,
            tolerance=0.5,  # the measure is 0 or 1: agreeing means 1
            why_different="most teacher-sized students trained successfully for these seeds",
            digits=1,
        ),
    ),
    quick={
        "input_dim": 5,
        "teacher_units": 2,
        "width_multiples": [1, 2, 4],
        "train_size": 200,
        "test_size": 200,
        "seeds": 3,
        "epochs": 3,
        "batch_size": 50,
        "progress": False,
    },
)
