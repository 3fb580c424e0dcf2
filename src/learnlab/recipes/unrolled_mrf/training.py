"""One seed of the comparison: draw the noise, set the classical MRF's two free numbers on
validation images, train the unrolled MRF at each K and the CNN, measure all on the test set."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch import nn

from learnlab.recipes.unrolled_mrf.data import (
    BinaryMnist,
    corrupt,
    naive_decision,
    noise_log_odds_weight,
)

if TYPE_CHECKING:
    from learnlab.recipes.unrolled_mrf.config import UnrolledMrfConfig

# the classical denoiser's grid, searched on validation images: Ising coupling J, prior bias b
COUPLINGS = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
BIASES = (0.0, -0.25, -0.5, -1.0, -1.5)
EVAL_BATCH = 1000


@dataclass(frozen=True)
class Measured:
    """A method's test pixel error rate and foreground IoU."""

    error: float
    iou: float


@dataclass(frozen=True)
class SeedOutcome:
    seed: int
    noisy: Measured
    cnn: Measured
    hand: dict[int, Measured]  # K -> the hand-set MRF
    learned: dict[int, Measured]  # K -> the MRF trained end to end with K iterations
    hand_setting: dict[int, tuple[float, float]]  # K -> (J, b) chosen on validation
    learned_kernel: list[list[float]]  # the coupling kernel W of the largest K
    examples: dict[str, torch.Tensor]  # the first test images: noisy, clean, each method


def predict(model: nn.Module, noisy: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return torch.cat([model(chunk) for chunk in noisy.split(EVAL_BATCH)])


def measure(decided: torch.Tensor, clean: torch.Tensor) -> Measured:
    """Pixel error rate and foreground IoU (over the whole set) of 0/1 decisions."""
    both = (decided * clean).sum()
    either = ((decided + clean) > 0).float().sum()
    return Measured(float((decided != clean).float().mean()), float(both / either.clamp(min=1)))


def _hand_set_mrf(config: UnrolledMrfConfig, k: int, noisy_val, clean_val):
    """The Ising denoiser with K iterations: a from the noise, (J, b) best on validation."""
    from learnlab.models.mean_field_mrf import MeanFieldMRF

    model = MeanFieldMRF(config.kernel_size, k, config.damping)
    weight = noise_log_odds_weight(config)
    best: tuple[float, float, float] | None = None
    for coupling, bias in itertools.product(COUPLINGS, BIASES):
        model.set_ising(coupling, weight, bias)
        error = measure((predict(model, noisy_val) > 0.5).float(), clean_val).error
        if best is None or error < best[0]:
            best = (error, coupling, bias)
    assert best is not None
    model.set_ising(best[1], weight, best[2])
    return model, (best[1], best[2])


def _train(model: nn.Module, noisy, clean, lr: float, config: UnrolledMrfConfig, seed: int):
    from learnlab.data.loader import TensorLoader
    from learnlab.objectives.marginals import MarginalCrossEntropy
    from learnlab.procedures.base import Stage, train_stage

    loader = TensorLoader(noisy, clean, batch_size=config.batch_size, seed=seed)
    stage = Stage(epochs=config.epochs, optimizer="adam", lr=lr)
    train_stage(model, MarginalCrossEntropy(), loader, stage, name="denoise")
    return model.eval()


def run_seed(data: BinaryMnist, config: UnrolledMrfConfig, seed: int) -> SeedOutcome:
    from learnlab.models.mean_field_mrf import MeanFieldMRF, pixel_cnn_denoiser

    generator = torch.Generator().manual_seed(seed)
    noisy_train, noisy_val, noisy_test = (
        corrupt(clean, config, generator) for clean in (data.train, data.val, data.test)
    )
    shown = slice(0, config.examples)
    examples = {"clean": data.test[shown], "noisy": noisy_test[shown]}
    hand, learned, settings = {}, {}, {}
    for k in config.iterations:
        model, settings[k] = _hand_set_mrf(config, k, noisy_val, data.val)
        q_hand = predict(model, noisy_test)
        hand[k] = measure((q_hand > 0.5).float(), data.test)
        torch.manual_seed(seed)
        mrf = MeanFieldMRF(config.kernel_size, k, config.damping)
        q_learned = predict(
            _train(mrf, noisy_train, data.train, config.lr, config, seed), noisy_test
        )
        learned[k] = measure((q_learned > 0.5).float(), data.test)
    examples.update(hand_set_mrf=q_hand[shown], learned_mrf=q_learned[shown])
    torch.manual_seed(seed)
    cnn = pixel_cnn_denoiser(config.cnn_channels, config.cnn_layers)
    q_cnn = predict(_train(cnn, noisy_train, data.train, config.cnn_lr, config, seed), noisy_test)
    examples["cnn"] = q_cnn[shown]
    return SeedOutcome(
        seed=seed,
        noisy=measure(naive_decision(noisy_test), data.test),
        cnn=measure((q_cnn > 0.5).float(), data.test),
        hand=hand,
        learned=learned,
        hand_setting=settings,
        learned_kernel=mrf.coupling().detach()[0, 0].tolist(),
        examples=examples,
    )
