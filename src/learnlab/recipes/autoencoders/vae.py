"""The variational autoencoder (Kingma & Welling 2014, "Auto-encoding variational Bayes") with a
`latent`-d Gaussian latent and a Bernoulli decoder, trained on the negative ELBO; its test
likelihood is bounded by the one-sample -ELBO and by the importance-weighted -L_k with
k = `iwae_samples` (Burda, Grosse & Salakhutdinov 2016, "Importance weighted autoencoders")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from learnlab.recipes.autoencoders.config import AutoencodersConfig, model_specs
from learnlab.recipes.autoencoders.data import Mnist
from learnlab.recipes.autoencoders.training import (
    EVAL_BATCH,
    batched,
    part_result,
    reconstruction_metrics,
    train,
)
from learnlab.result import Result

if TYPE_CHECKING:
    from rich.console import Console
    from torch import Tensor, nn

BOUNDS_SEED = 2  # seed offset of the bounds' samples (see denoising.TEST_NOISE_SEED)
IWAE_BATCH = 250  # images per IWAE pass: memory is k * batch decoded images at a time


def train_vae(config: AutoencodersConfig, data: Mnist, console: Console) -> Result:
    """Train the VAE; score its reconstructions from the posterior mean and its bounds."""
    from learnlab.objectives.elbo import NegativeELBO

    spec = model_specs(config)["vae"]
    trained = train(spec, NegativeELBO(seed=config.seed), config, data.x_train, console)
    metrics = reconstruction_metrics(trained.model, data.x_test)
    metrics.update(bounds(trained.model, data.x_test, config))
    note = (
        f"A VAE (Kingma & Welling 2014) with a {config.latent}-d Gaussian latent, trained on "
        "the negative ELBO; it reconstructs from its posterior mean."
    )
    return part_result("vae", spec, trained, metrics, data.scale, note)


def bounds(model: nn.Module, x_test: Tensor, config: AutoencodersConfig) -> dict[str, float]:
    """Mean test -ELBO (one sample), its KL term and -L_k, nats per image; the samples of both
    come from one generator seeded with seed + 2, the ELBO's first."""
    import torch

    from learnlab.objectives.elbo import iwae_nats, negative_elbo_terms

    generator = torch.Generator().manual_seed(config.seed + BOUNDS_SEED)
    with torch.no_grad():
        rec, kl = [], []
        for i in range(0, len(x_test), EVAL_BATCH):
            r, k = negative_elbo_terms(model, x_test[i : i + EVAL_BATCH], generator)
            rec.append(r)
            kl.append(k)
        rec_t, kl_t = torch.cat(rec), torch.cat(kl)
        iwae = batched(
            lambda b: iwae_nats(model, b, config.iwae_samples, generator), x_test, IWAE_BATCH
        )
    return {
        "test_neg_elbo_nats": float((rec_t + kl_t).mean()),
        "test_kl_nats": float(kl_t.mean()),
        "test_iwae_nats": float(iwae.mean()),
    }
