"""The steps of the autoencoders recipe (learnlab.recipes.autoencoders): train one model with
the Trainer, evaluate its reconstructions (and the VAE's bounds) on the test set, and fit
linear probes (logistic regression) on the codes.

Heavy modules are imported inside the functions, as everywhere in the recipes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from learnlab.recipes.autoencoders import AutoencodersConfig


def _objective(kind: str, config: AutoencodersConfig):
    from learnlab.objectives.elbo import NegativeELBO
    from learnlab.objectives.reconstruction import Corruption, ReconstructionLoss

    if kind == "vae":
        return NegativeELBO(seed=config.seed)
    corruption = Corruption(config.masking, config.gaussian_std) if kind == "denoising" else None
    return ReconstructionLoss("bce", corruption=corruption, seed=config.seed)


def train_model(kind: str, config: AutoencodersConfig, x_train, console):
    """Train one model from the seed (on CUDA when present); returns (model on the CPU, in
    eval mode, history, train seconds). Evaluation, probes and figures then run on the CPU:
    they take seconds, and the CPU's seeded generators give the same numbers everywhere."""
    import torch

    from learnlab.data.loader import TensorLoader
    from learnlab.models import build_model
    from learnlab.recipes.autoencoders import model_specs
    from learnlab.train.callbacks.progress import ProgressBar
    from learnlab.train.optimizers import build_optimizer
    from learnlab.train.seeding import select_device
    from learnlab.train.trainer import Trainer

    name, options, epochs = model_specs(config)[kind]
    device = select_device("auto")
    torch.manual_seed(config.seed)
    model = build_model(name, tuple(x_train.shape[1:]), 1, **options).to(device)
    optimizer = build_optimizer("adam", model.parameters(), lr=config.lr)
    callbacks = [ProgressBar(console)] if config.progress else []
    trainer = Trainer(model, _objective(kind, config), optimizer, callbacks=callbacks)
    loader = TensorLoader(x_train, batch_size=config.batch_size, seed=config.seed, device=device)
    history = trainer.fit(loader, epochs=epochs)
    return model.cpu().eval(), history, trainer.train_seconds


def _batched(function, x, batch_size: int = 1000):
    import torch

    return torch.cat([function(x[i : i + batch_size]) for i in range(0, len(x), batch_size)])


def evaluate(kind: str, model, x_test, config: AutoencodersConfig) -> dict[str, float]:
    """Test reconstruction error (and, for the VAE, the bounds), each a mean over images."""
    import torch

    from learnlab.objectives.elbo import iwae_nats, negative_elbo_terms
    from learnlab.objectives.reconstruction import Corruption, bernoulli_nats, squared_error

    results: dict[str, float] = {}
    with torch.no_grad():
        logits = _batched(model, x_test)
        results["test_mse"] = float(squared_error(torch.sigmoid(logits), x_test).mean())
        results["test_bce_nats"] = float(bernoulli_nats(logits, x_test).mean())
        if kind == "denoising":
            noisy = Corruption(config.masking, config.gaussian_std)(
                x_test, torch.Generator().manual_seed(config.seed + 1)
            )
            out = _batched(model, noisy)
            results["test_mse_from_corrupted"] = float(
                squared_error(torch.sigmoid(out), x_test).mean()
            )
        if kind == "vae":
            generator = torch.Generator().manual_seed(config.seed + 2)
            rec, kl = [], []
            for i in range(0, len(x_test), 1000):
                r, k = negative_elbo_terms(model, x_test[i : i + 1000], generator)
                rec.append(r)
                kl.append(k)
            rec_t, kl_t = torch.cat(rec), torch.cat(kl)
            results["test_neg_elbo_nats"] = float((rec_t + kl_t).mean())
            results["test_kl_nats"] = float(kl_t.mean())
            results["test_iwae_nats"] = float(
                _batched(
                    lambda b: iwae_nats(model, b, config.iwae_samples, generator), x_test, 250
                ).mean()
            )
    return results


def probe_accuracy(train_codes, train_y, test_codes, test_y, config: AutoencodersConfig) -> float:
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


def probe_table(models, data, config: AutoencodersConfig) -> dict[str, float]:
    """Linear-probe test accuracy of each model's code, the raw pixels and a random projection
    of the pixels to `code` numbers (a Gaussian matrix with entries N(0, 1/784))."""
    import torch

    x_train, y_train, x_test, y_test = data
    # the probe sees only `probe_train` training images: encode just those
    chosen = torch.randperm(len(x_train), generator=torch.Generator().manual_seed(config.seed))
    chosen = chosen[: config.probe_train]
    x_probe, y_probe = x_train[chosen], y_train[chosen]
    accuracies = {}
    with torch.no_grad():
        for kind, model in models.items():
            accuracies[kind] = probe_accuracy(
                _batched(model.encode, x_probe),
                y_probe,
                _batched(model.encode, x_test),
                y_test,
                config,
            )
        pixels = x_train.shape[1:].numel()
        projection = (
            torch.randn(
                pixels, config.code, generator=torch.Generator().manual_seed(config.seed + 3)
            )
            / pixels**0.5
        )
        accuracies["random_projection"] = probe_accuracy(
            x_probe.flatten(1) @ projection, y_probe, x_test.flatten(1) @ projection, y_test, config
        )
        accuracies["raw_pixels"] = probe_accuracy(
            x_probe.flatten(1), y_probe, x_test.flatten(1), y_test, config
        )
    return accuracies
