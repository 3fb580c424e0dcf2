"""Linear probes of the learned codes: multinomial logistic regression (scikit-learn, L-BFGS)
fitted on the standardised codes of `probe_train` training images and scored on the test
images; against the raw pixels and a Gaussian random projection of the pixels to `code`
numbers, which say what a linear classifier gets without any learned code."""

from __future__ import annotations

from typing import TYPE_CHECKING

from learnlab.recipes.autoencoders.config import NAME, AutoencodersConfig
from learnlab.recipes.autoencoders.data import Mnist
from learnlab.recipes.autoencoders.training import batched
from learnlab.result import Result

if TYPE_CHECKING:
    from torch import Tensor, nn

PROJECTION_SEED = 3  # seed offset of the random projection (see denoising.TEST_NOISE_SEED)


def probe_accuracy(
    train_codes: Tensor,
    train_y: Tensor,
    test_codes: Tensor,
    test_y: Tensor,
    config: AutoencodersConfig,
) -> float:
    """Test accuracy of logistic regression on codes standardised with the training codes'
    mean and standard deviation (L-BFGS converges in fewer steps on standardised features)."""
    from learnlab.metrics.baselines import logistic_regression_probabilities

    mean = train_codes.mean(0)
    std = train_codes.std(0).clamp_min(1e-6)
    probabilities = logistic_regression_probabilities(
        (train_codes - mean) / std,
        train_y,
        (test_codes - mean) / std,
        num_classes=10,
        seed=config.seed,
        max_train_examples=config.probe_train,
        max_iter=config.probe_max_iter,
    )
    return float((probabilities.argmax(1) == test_y).double().mean())


def probe_codes(models: dict[str, nn.Module], data: Mnist, config: AutoencodersConfig) -> Result:
    """The probes' part: `probe_accuracy_<features>` for each model's code (its `encode`; the
    VAE's posterior mean), then the random projection and the raw pixels."""
    import torch

    # the probe sees only `probe_train` training images: encode just those
    chosen = torch.randperm(
        len(data.x_train), generator=torch.Generator().manual_seed(config.seed)
    )[: config.probe_train]
    x_probe, y_probe = data.x_train[chosen], data.y_train[chosen]
    x_test, y_test = data.x_test, data.y_test
    accuracy = {}
    with torch.no_grad():
        for kind, model in models.items():
            train_codes, test_codes = batched(model.encode, x_probe), batched(model.encode, x_test)
            accuracy[kind] = probe_accuracy(train_codes, y_probe, test_codes, y_test, config)
        pixels = x_probe.shape[1:].numel()
        generator = torch.Generator().manual_seed(config.seed + PROJECTION_SEED)
        projection = torch.randn(pixels, config.code, generator=generator) / pixels**0.5
        accuracy["random_projection"] = probe_accuracy(
            x_probe.flatten(1) @ projection, y_probe, x_test.flatten(1) @ projection, y_test, config
        )
        accuracy["raw_pixels"] = probe_accuracy(
            x_probe.flatten(1), y_probe, x_test.flatten(1), y_test, config
        )
    return Result(
        kind=NAME,
        title=f"{NAME}: linear probes of the codes",
        summary={f"probe_accuracy_{features}": value for features, value in accuracy.items()},
        notes=[
            "Multinomial logistic regression (scikit-learn, L-BFGS, C = 1) on standardised "
            f"features of {len(x_probe):,} training images, at most {config.probe_max_iter} "
            "iterations, scored on the test images."
        ],
        config={"probe_train": config.probe_train, "probe_max_iter": config.probe_max_iter},
    )
