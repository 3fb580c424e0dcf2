"""The variational autoencoder's loss (negative ELBO) and the importance-weighted bound.

Kingma & Welling (2014), "Auto-encoding variational Bayes": with q(z|x) = N(mu, diag(sigma^2))
and the prior p(z) = N(0, I), the negative evidence lower bound of one example is

    -ELBO(x) = E_q[-log p(x|z)] + KL(q(z|x) || p(z)),
    KL = 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2)        (closed form),

the first term estimated with one reparameterised sample z = mu + sigma * eps. Both are in
nats; -ELBO >= -log p(x).

Burda, Grosse & Salakhutdinov (2016), "Importance weighted autoencoders" (ICLR): with k
samples z_1..z_k ~ q(z|x),

    L_k(x) = log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x),

is a tighter lower bound, E[L_1] = ELBO <= E[L_k] <= E[L_{k+1}] <= log p(x), and L_k -> log p(x)
as k grows. `iwae_nats` returns -L_k (an estimate of an upper bound on -log p(x)).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from learnlab.objectives.base import Objective
from learnlab.objectives.reconstruction import bernoulli_nats

LOG_2PI = math.log(2 * math.pi)


def gaussian_kl_nats(mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, diag(exp(log_var))) || N(0, I)) per example, in nats: (N,)."""
    return 0.5 * (mean.square() + log_var.exp() - 1.0 - log_var).sum(dim=1)


def negative_elbo_terms(
    model: nn.Module, x: torch.Tensor, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """One-sample estimates of -E_q[log p(x|z)] and the exact KL term, each (N,) nats.

    `model` has `posterior(x) -> (mean, log_var)`, `reparameterize` and `decode(z) -> logits`
    (learnlab.models.vae.VariationalAutoencoder)."""
    mean, log_var = model.posterior(x)
    z = model.reparameterize(mean, log_var, generator)
    return bernoulli_nats(model.decode(z), x), gaussian_kl_nats(mean, log_var)


class NegativeELBO(Objective):
    """Mean negative ELBO over the batch `(x, ...)`, in nats per example; reports its two
    terms per example. The reparameterisation noise comes from the objective's own CPU
    generator seeded with `seed` for batches on the CPU, and from the global (seeded) RNG for
    batches on another device."""

    metric_names = ("reconstruction_nats", "kl_nats")

    def __init__(self, seed: int = 0) -> None:
        self.generator = torch.Generator().manual_seed(seed)

    def __call__(self, model: nn.Module, batch: tuple[torch.Tensor, ...]):
        x = batch[0]
        # torch.randn on a CUDA tensor's device needs a CUDA generator: use the global RNG there
        generator = self.generator if x.device.type == "cpu" else None
        reconstruction, kl = negative_elbo_terms(model, x, generator)
        loss = (reconstruction + kl).mean()
        return loss, {"reconstruction_nats": reconstruction.detach(), "kl_nats": kl.detach()}


def _normal_log_density(z: torch.Tensor, mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """log N(z; mean, diag(exp(log_var))) summed over the last axis."""
    return -0.5 * (LOG_2PI + log_var + (z - mean).square() / log_var.exp()).sum(dim=-1)


@torch.no_grad()
def iwae_nats(
    model: nn.Module,
    x: torch.Tensor,
    samples: int,
    generator: torch.Generator | None = None,
    chunk: int = 64,
) -> torch.Tensor:
    """-L_k(x) per example (N,), in nats, with k = `samples` draws from q(z|x).

    Samples are decoded `chunk` at a time, so memory is chunk * N * (input size) floats."""
    if samples < 1:
        raise ValueError(f"samples must be >= 1; got {samples}")
    mean, log_var = model.posterior(x)
    log_weights = []
    for start in range(0, samples, chunk):
        k = min(chunk, samples - start)
        z = torch.stack([model.reparameterize(mean, log_var, generator) for _ in range(k)])
        logits = model.decode(z.flatten(0, 1))  # (k * N, *shape)
        log_px = -bernoulli_nats(logits, x.repeat(k, *([1] * (x.dim() - 1)))).view(k, -1)
        log_pz = -0.5 * (LOG_2PI + z.square()).sum(dim=-1)
        log_qz = _normal_log_density(z, mean, log_var)
        log_weights.append(log_px + log_pz - log_qz)
    log_w = torch.cat(log_weights)  # (samples, N)
    return -(torch.logsumexp(log_w, dim=0) - math.log(samples))
