"""Oracle tests of the VAE's loss (learnlab.objectives.elbo).

- the KL term against its closed form and torch.distributions.kl_divergence;
- the reconstruction term against F.binary_cross_entropy_with_logits, summed;
- the objective against a by-hand computation with the same noise;
- the importance-weighted bound (Burda et al. 2016): -L_1 is a one-sample -ELBO, and on
  average -L_k decreases with k, below the -ELBO;
- with a 1-d latent, log p(x) by numerical integration over z (float64, a fine grid): the
  ELBO lies below it and -L_k for large k comes within a few hundredths of a nat.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Normal, kl_divergence

from learnlab.models import build_model
from learnlab.objectives.elbo import (
    NegativeELBO,
    gaussian_kl_nats,
    iwae_nats,
    negative_elbo_terms,
)


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _vae(shape=(12,), latent=3, hidden=(16,), seed=0, dtype=torch.float32):
    torch.manual_seed(seed)
    return build_model("vae", shape, 1, latent=latent, hidden=list(hidden)).to(dtype).eval()


def test_kl_term_is_the_closed_form_and_torchs():
    generator = torch.Generator().manual_seed(0)
    mean = torch.randn(7, 4, generator=generator, dtype=torch.float64)
    log_var = torch.randn(7, 4, generator=generator, dtype=torch.float64)
    ours = gaussian_kl_nats(mean, log_var)
    std = (0.5 * log_var).exp()
    reference = kl_divergence(Normal(mean, std), Normal(0.0, 1.0)).sum(dim=1)
    torch.testing.assert_close(ours, reference)
    by_hand = 0.5 * (mean**2 + std**2 - 1 - 2 * std.log()).sum(dim=1)
    torch.testing.assert_close(ours, by_hand)
    assert torch.equal(gaussian_kl_nats(torch.zeros(2, 3), torch.zeros(2, 3)), torch.zeros(2))


def test_negative_elbo_terms_with_the_same_noise_by_hand():
    model = _vae(dtype=torch.float64)
    x = torch.rand(5, 12, dtype=torch.float64)
    reconstruction, kl = negative_elbo_terms(model, x, torch.Generator().manual_seed(4))

    mean, log_var = model.posterior(x)
    eps = torch.randn(mean.shape, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    logits = model.decode(mean + (0.5 * log_var).exp() * eps)
    expected = torch.stack(
        [F.binary_cross_entropy_with_logits(logits[i], x[i], reduction="sum") for i in range(5)]
    )
    torch.testing.assert_close(reconstruction, expected)
    torch.testing.assert_close(
        kl, kl_divergence(Normal(mean, (0.5 * log_var).exp()), Normal(0, 1)).sum(1)
    )

    objective = NegativeELBO(seed=4)
    loss, metrics = objective(model, (x, torch.zeros(5)))
    torch.testing.assert_close(loss, (expected + kl).mean())
    torch.testing.assert_close(metrics["reconstruction_nats"], expected)
    # the objective's generator moves on: the next batch gets new noise
    assert not torch.equal(objective(model, (x,))[1]["reconstruction_nats"], expected)


def test_every_parameter_gets_a_gradient_through_the_reparameterisation():
    model = _vae().train()
    loss, _ = NegativeELBO(seed=0)(model, (torch.rand(6, 12),))
    loss.backward()
    for name, param in model.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name


def test_one_sample_iwae_is_a_one_sample_elbo():
    model = _vae(dtype=torch.float64)
    x = torch.rand(5, 12, dtype=torch.float64)
    bound = iwae_nats(model, x, 1, torch.Generator().manual_seed(2))
    mean, log_var = model.posterior(x)
    std = (0.5 * log_var).exp()
    eps = torch.randn(mean.shape, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    z = mean + std * eps
    log_px = -F.binary_cross_entropy_with_logits(model.decode(z), x, reduction="none").sum(1)
    log_pz = Normal(0.0, 1.0).log_prob(z).sum(1)
    log_qz = Normal(mean, std).log_prob(z).sum(1)
    torch.testing.assert_close(bound, -(log_px + log_pz - log_qz))


def test_iwae_tightens_with_k_below_the_elbo_on_average():
    model = _vae(seed=1)
    x = (torch.rand(64, 12, generator=torch.Generator().manual_seed(0)) > 0.5).float()
    generator = torch.Generator().manual_seed(3)
    with torch.no_grad():
        elbo = torch.stack(
            [sum(negative_elbo_terms(model, x, generator)) for _ in range(200)]
        ).mean()
    bounds = [float(iwae_nats(model, x, k, generator).mean()) for k in (1, 8, 64)]
    # E[-L_1] is the -ELBO (Monte Carlo: 64 examples x 200 draws against 64 x 1)
    assert abs(bounds[0] - float(elbo)) < 0.05 * float(elbo)
    assert bounds[2] < bounds[1] < bounds[0] and bounds[2] < float(elbo)


def test_bounds_against_numerical_integration_over_a_1d_latent():
    model = _vae(shape=(6,), latent=1, hidden=(8,), seed=2, dtype=torch.float64)
    x = (torch.rand(4, 6, generator=torch.Generator().manual_seed(1)) > 0.5).double()
    with torch.no_grad():
        # log p(x) = log integral p(x|z) N(z; 0, 1) dz on [-12, 12] (the prior's tails beyond
        # carry less than e^-70 of its mass), trapezoid rule on 24,001 points
        z = torch.linspace(-12, 12, 24_001, dtype=torch.float64)
        logits = model.decode(z.unsqueeze(1))  # (Z, 6)
        log_px_z = -F.binary_cross_entropy_with_logits(
            logits.unsqueeze(0).expand(4, -1, -1),
            x.unsqueeze(1).expand(-1, len(z), -1),
            reduction="none",
        ).sum(2)  # (4, Z)
        log_joint = log_px_z + Normal(0.0, 1.0).log_prob(z)
        weights = torch.full_like(z, float(z[1] - z[0]))
        weights[[0, -1]] /= 2
        log_px = torch.logsumexp(log_joint + weights.log(), dim=1)

        generator = torch.Generator().manual_seed(0)
        elbo = -torch.stack([sum(negative_elbo_terms(model, x, generator)) for _ in range(4000)])
        iwae = -iwae_nats(model, x, 20_000, generator, chunk=2000)
    assert (elbo.mean(0) < log_px).all()  # Jensen: the ELBO is a lower bound
    assert (iwae > elbo.mean(0)).all()
    torch.testing.assert_close(iwae, log_px, atol=0.03, rtol=0)
    assert math.isfinite(float(log_px.sum()))
