"""What dann-mnist-usps reproduces: the MNIST -> USPS column of ADDA's Table 2 (Tzeng, Hoffman,
Saenko & Darrell, CVPR 2017), where "gradient reversal" is DANN (Ganin & Lempitsky 2015)."""

from __future__ import annotations

from typing import Any

from learnlab.recipes.paper import Claim, Paper, Reproduction, Spread
from learnlab.recipes.seeds import read_spread

PAPER = Paper(
    authors="Tzeng, Hoffman, Saenko, Darrell",
    year=2017,
    title="Adversarial discriminative domain adaptation",
    venue="CVPR 2017, Table 2 (MNIST -> USPS); DANN: Ganin & Lempitsky, ICML 2015",
)

# ADDA's Table 2, MNIST -> USPS: target accuracy (mean +- std over their runs)
PAPER_ACCURACY = {"source_only": 0.752, "dann": 0.771, "adda": 0.894}
PAPER_STD = {"source_only": 0.016, "dann": 0.018, "adda": 0.002}
TARGET_GAIN_POINTS = 3.0  # the target: DANN >= source only + 3 points


def _measure(method: str):
    def measure(summary: dict[str, Any]) -> float:
        return float(summary[f"{method}_accuracy"])

    return measure


def _spread(method: str):
    def spread(summary: dict[str, Any]) -> Spread | None:
        return read_spread(summary, f"{method}_accuracy")

    return spread


SETUP = (
    "ADDA's protocol (after Long et al. 2013): 2,000 MNIST and 1,800 USPS training images, "
    "drawn anew for each seed; both domains at 28x28 (MNIST as it is, USPS's 16x16 upscaled "
    "bilinearly, as ADDA's code resizes every image to its LeNet's input), standardised with "
    "the drawn MNIST images' statistics. ADDA's LeNet (conv 20 and 50 channels 5x5 with max "
    "pooling, fc 500, fc 10); DANN's domain classifier (100-1) reads its 800 convolutional "
    "features behind gradient reversal. DANN's training (Ganin et al. 2016): SGD with momentum "
    "0.9, batches of 64 source plus 64 target images, 40 passes over the source images (fewer "
    "steps than ADDA's, a CPU budget; 40 rather than 20 chosen on the validation split below), "
    "mu_p = 0.01 / (1 + 10 p)^0.75, "
    "lambda_p = 2 / (1 + exp(-10 p)) - 1. Source only, DANN and target only start from the "
    "same weights and take the same number of steps with the same learning rates; 3 seeds. "
    "Model selection: each method keeps the weights of its epoch with the best accuracy on "
    "500 labelled USPS training images held apart from the 1,800 (a labelled target "
    "validation split, as for every method alike); the USPS test images (2,007) only score, "
    "never choose (ADDA's released scripts score the USPS training images; ours are held "
    "out). ADDA itself is not run; its 0.894 is shown for reference. `--set protocol=usps16` "
    "gives the earlier setting (MNIST's central 20x20 brought to 16x16, DANN's MNIST net)."
)

REPRODUCTION = Reproduction(
    paper=PAPER,
    setup=SETUP,
    claims=(
        Claim(
            quantity="USPS accuracy, source only (MNIST -> USPS)",
            paper=PAPER_ACCURACY["source_only"],
            measure=_measure("source_only"),
            tolerance=0.05,
            why_different=(
                "fewer training steps than ADDA's (a CPU budget), DANN's SGD schedule rather than "
                "ADDA's optimiser, the epoch chosen on a USPS validation split, and the held-out "
                "USPS test set rather than the USPS training images"
            ),
            digits=3,
            spread=_spread("source_only"),
        ),
        Claim(
            quantity="USPS accuracy, gradient reversal (DANN)",
            paper=PAPER_ACCURACY["dann"],
            measure=_measure("dann"),
            tolerance=0.05,
            why_different=(
                "ADDA ran DANN with settings it did not publish; ours uses DANN's schedules on "
                "ADDA's LeNet"
            ),
            digits=3,
            spread=_spread("dann"),
        ),
        Claim(
            quantity="DANN's gain over source only (points of accuracy)",
            paper=100 * (PAPER_ACCURACY["dann"] - PAPER_ACCURACY["source_only"]),
            measure=lambda summary: float(summary["dann_gain_points"]),
            tolerance=3.0,
            why_different="see the two rows above; the issue's target is a gain of >= 3 points",
            digits=1,
            spread=lambda summary: read_spread(summary, "dann_gain_points"),
        ),
    ),
    quick={
        "source_examples": 200,
        "target_examples": 180,
        "val_examples": 50,
        "epochs": 1,
        "batch_size": 50,
        "limit_test": 100,
        "seeds": 2,
    },
)
