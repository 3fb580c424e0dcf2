"""The denoising autoencoder (Vincent, Larochelle, Bengio & Manzagol 2008, "Extracting and
composing robust features with denoising autoencoders"): the dense autoencoder, fed the image
with a fraction `masking` of its pixels set to 0 (and Gaussian noise of std `gaussian_std`),
scored against the clean image; so copying its input is no solution and its code has to
capture what lets the missing pixels be filled in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from learnlab.recipes.autoencoders.config import AutoencodersConfig, model_specs
from learnlab.recipes.autoencoders.data import Mnist
from learnlab.recipes.autoencoders.training import (
    batched,
    part_result,
    reconstruction_metrics,
    train,
)
from learnlab.result import Result

if TYPE_CHECKING:
    from rich.console import Console

# seed offsets of the recipe's generators beyond the training's own (seed + 0): each draw has
# its own stream, so adding or dropping one leaves the others' numbers unchanged
TEST_NOISE_SEED = 1


def train_denoising(config: AutoencodersConfig, data: Mnist, console: Console) -> Result:
    """Train on corrupted inputs; score reconstructions from clean and from corrupted test
    images (`test_mse_from_corrupted`, with corruptions drawn from seed + 1)."""
    import torch

    from learnlab.objectives.reconstruction import Corruption, ReconstructionLoss, squared_error

    spec = model_specs(config)["denoising"]
    corruption = Corruption(config.masking, config.gaussian_std)
    objective = ReconstructionLoss("bce", corruption=corruption, seed=config.seed)
    trained = train(spec, objective, config, data.x_train, console)
    metrics = reconstruction_metrics(trained.model, data.x_test)
    generator = torch.Generator().manual_seed(config.seed + TEST_NOISE_SEED)
    with torch.no_grad():
        out = batched(trained.model, corruption(data.x_test, generator))
    metrics["test_mse_from_corrupted"] = float(
        squared_error(torch.sigmoid(out), data.x_test).mean()
    )
    note = (
        f"A denoising autoencoder (Vincent et al. 2008): the dense model, trained on inputs with "
        f"{config.masking:.0%} of their pixels set to 0 and Gaussian noise of std "
        f"{config.gaussian_std:g}, scored against the clean image."
    )
    return part_result("denoising", spec, trained, metrics, data.scale, note)
