"""Autoencoders (`autoencoder`, `conv-autoencoder`, `vae`) and the denoising objective.

Besides the registry-wide contract (tests/models/contract_cases/autoencoders.py): code sizes
and shapes, bad options, the VAE's sampling, the corruption and the reconstruction loss
against torch's own functions, and an oracle: a linear autoencoder trained with squared error
reaches the reconstruction error of PCA with as many components (Baldi & Hornik, 1989,
"Neural networks and principal component analysis").
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from sklearn.decomposition import PCA

from learnlab.io.errors import ConfigError
from learnlab.models import build_model, model_description
from learnlab.objectives.reconstruction import (
    Corruption,
    ReconstructionLoss,
    bernoulli_nats,
    squared_error,
)


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize(
    ("name", "options", "shape", "code"),
    [
        ("autoencoder", {"code": 7, "hidden": [16]}, (1, 28, 28), 7),
        ("autoencoder", {"code": 3, "hidden": []}, (12,), 3),
        ("conv-autoencoder", {"code": 5, "channels": [4, 8]}, (1, 28, 28), 5),
        ("conv-autoencoder", {"code": 5, "channels": [4, 4, 4]}, (2, 13, 6), 5),
        ("conv-autoencoder", {"code": 2, "channels": [3]}, (1, 1, 1), 2),
        ("vae", {"latent": 4, "hidden": [16]}, (1, 28, 28), 4),
    ],
)
def test_code_size_and_reconstruction_shape(name, options, shape, code):
    torch.manual_seed(0)
    model = build_model(name, shape, 99, **options).eval()  # num_outputs is ignored
    x = torch.rand(5, *shape)
    z = model.encode(x)
    assert z.shape == (5, code)
    assert model.decode(z).shape == (5, *shape)
    with torch.no_grad():
        assert torch.equal(model(x), model.decode(z))
        assert torch.equal(model.reconstruct(x), torch.sigmoid(model(x)))


def test_descriptions_say_num_outputs_is_ignored():
    for name in ("autoencoder", "conv-autoencoder", "vae"):
        assert "num_outputs is ignored" in model_description(name)


def test_values_output_is_not_squashed():
    torch.manual_seed(0)
    model = build_model("autoencoder", (6,), 1, code=2, hidden=[], output="values")
    x = torch.randn(4, 6)
    assert torch.equal(model.reconstruct(x), model(x))


def test_conv_encoder_halves_the_image_per_stage():
    model = build_model("conv-autoencoder", (1, 28, 28), 1, channels=[4, 8, 16])
    assert model.feature_shape == (16, 4, 4)  # 28 -> 14 -> 7 -> 4


@pytest.mark.parametrize(
    ("name", "options", "shape", "match"),
    [
        ("autoencoder", {"code": 0}, (4,), "'code' must be an integer >= 1"),
        ("autoencoder", {"hidden": "64"}, (4,), "'hidden' must be a possibly empty list"),
        ("autoencoder", {"hidden": [8, 0]}, (4,), r"'hidden\[1\]'"),
        ("autoencoder", {"output": "probabilities"}, (4,), "'output' must be one of"),
        ("autoencoder", {"activation": "swish"}, (4,), "'activation' must be one of"),
        ("conv-autoencoder", {"channels": []}, (1, 8, 8), "non-empty list"),
        ("conv-autoencoder", {}, (64,), "takes images of shape"),
        ("vae", {"latent": 0}, (4,), "'latent' must be an integer >= 1"),
    ],
)
def test_bad_options_are_config_errors(name, options, shape, match):
    with pytest.raises(ConfigError, match=match):
        build_model(name, shape, 1, **options)


# -- the VAE's stochastic parts ----------------------------------------------------------------


def test_vae_forward_samples_in_training_and_uses_the_mean_in_eval():
    torch.manual_seed(0)
    model = build_model("vae", (10,), 1, latent=3, hidden=[8])
    x = torch.rand(4, 10)
    with torch.no_grad():
        mean, _ = model.posterior(x)
        assert torch.equal(model.eval()(x), model.decode(mean))
        model.train()
        torch.manual_seed(5)
        a = model(x)
        torch.manual_seed(5)
        assert torch.equal(model(x), a)
        assert not torch.allclose(model(x), a)


def test_reparameterisation_has_the_posterior_moments():
    mean = torch.tensor([[1.5, -2.0, 0.0]])
    log_var = torch.tensor([[0.0, -1.0, 1.2]])
    generator = torch.Generator().manual_seed(0)
    model = build_model("vae", (4,), 1, latent=3)
    z = model.reparameterize(mean.expand(50_000, 3), log_var.expand(50_000, 3), generator)
    torch.testing.assert_close(z.mean(0), mean[0], atol=0.02, rtol=0)
    torch.testing.assert_close(z.var(0), log_var[0].exp(), atol=0.02, rtol=0.04)


def test_sample_draws_from_the_prior_with_the_generator():
    torch.manual_seed(0)
    model = build_model("vae", (1, 6, 6), 1, latent=2, hidden=[8]).eval()
    a = model.sample(7, torch.Generator().manual_seed(3))
    b = model.sample(7, torch.Generator().manual_seed(3))
    assert a.shape == (7, 1, 6, 6) and torch.equal(a, b)
    assert ((a > 0) & (a < 1)).all()
    z = torch.randn(7, 2, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(a, torch.sigmoid(model.decode(z)))


# -- corruption and the reconstruction loss ------------------------------------------------------


def test_masking_noise_zeroes_the_asked_fraction():
    x = torch.rand(200, 500) + 0.5  # no zeros of its own
    noisy = Corruption(masking=0.3)(x, torch.Generator().manual_seed(0))
    zeroed = noisy == 0
    assert abs(zeroed.double().mean().item() - 0.3) < 0.005
    assert torch.equal(noisy[~zeroed], x[~zeroed])  # the rest is untouched


def test_gaussian_noise_has_the_asked_deviation_and_is_seeded():
    x = torch.zeros(100_000)
    corruption = Corruption(gaussian_std=0.5)
    noise = corruption(x, torch.Generator().manual_seed(1))
    assert abs(noise.std().item() - 0.5) < 0.01 and abs(noise.mean().item()) < 0.01
    assert torch.equal(noise, corruption(x, torch.Generator().manual_seed(1)))
    assert torch.equal(Corruption()(x), x)


@pytest.mark.parametrize("kwargs", [{"masking": 1.0}, {"masking": -0.1}, {"gaussian_std": -1}])
def test_bad_corruption_is_refused(kwargs):
    with pytest.raises(ConfigError):
        Corruption(**kwargs)


def test_reconstruction_losses_match_torch():
    logits = torch.randn(6, 1, 4, 4, dtype=torch.float64)
    x = torch.rand(6, 1, 4, 4, dtype=torch.float64)
    per_example = torch.stack(
        [F.binary_cross_entropy_with_logits(logits[i], x[i], reduction="sum") for i in range(6)]
    )
    torch.testing.assert_close(bernoulli_nats(logits, x), per_example)
    binary = (x > 0.5).double()
    bernoulli = torch.distributions.Bernoulli(logits=logits)
    torch.testing.assert_close(
        bernoulli_nats(logits, binary), -bernoulli.log_prob(binary).sum((1, 2, 3))
    )
    torch.testing.assert_close(squared_error(logits, x).mean(), F.mse_loss(logits, x))


class _Recorder(torch.nn.Module):
    """Returns fixed logits and remembers the input it was given."""

    output = "logits"

    def __init__(self, logits: torch.Tensor) -> None:
        super().__init__()
        self.logits = logits
        self.seen: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen = x
        return self.logits


def test_denoising_objective_corrupts_the_input_and_scores_the_clean_image():
    x = torch.rand(8, 20) + 0.1
    logits = torch.randn(8, 20)
    model = _Recorder(logits)
    loss, metrics = ReconstructionLoss("bce", Corruption(masking=0.5), seed=3)(model, (x,))
    expected_input = Corruption(masking=0.5)(x, torch.Generator().manual_seed(3))
    assert torch.equal(model.seen, expected_input)
    expected = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / 8
    torch.testing.assert_close(loss, expected)
    torch.testing.assert_close(metrics["mse"], (torch.sigmoid(logits) - x).square().mean(1))
    ReconstructionLoss("bce")(model, (x,))
    assert torch.equal(model.seen, x)  # no corruption: the clean input


def test_mse_loss_and_bce_needs_logits():
    torch.manual_seed(0)
    model = build_model("autoencoder", (5,), 1, code=2, hidden=[], output="values")
    x = torch.randn(4, 5)
    loss, _ = ReconstructionLoss("mse")(model, (x,))
    torch.testing.assert_close(loss, F.mse_loss(model(x), x))
    with pytest.raises(ConfigError, match="needs a model whose output is logits"):
        ReconstructionLoss("bce")(model, (x,))
    with pytest.raises(ConfigError, match="loss must be one of"):
        ReconstructionLoss("l1")


def test_linear_autoencoder_reaches_the_pca_error():
    # Data near a 3-d subspace of R^10; a linear autoencoder (no hidden layer, linear output)
    # trained on squared error has PCA's optimum: the error of the best rank-3 reconstruction.
    generator = torch.Generator().manual_seed(0)
    basis = torch.randn(3, 10, generator=generator)
    x = torch.randn(256, 3, generator=generator) @ basis + 0.3 * torch.randn(
        256, 10, generator=generator
    )
    x = x + 2.0  # an offset: the biases play PCA's centring
    pca = PCA(n_components=3).fit(x.numpy())
    pca_error = float(((pca.inverse_transform(pca.transform(x.numpy())) - x.numpy()) ** 2).mean())

    torch.manual_seed(0)
    model = build_model("autoencoder", (10,), 1, code=3, hidden=[], output="values")
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    objective = ReconstructionLoss("mse")
    for _ in range(1500):
        loss, _ = objective(model, (x,))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        error = float(F.mse_loss(model(x), x))
    assert pca_error <= error * (1 + 1e-4)  # PCA is optimal: no linear code does better
    assert error < 1.02 * pca_error


def test_code_activation_gives_the_one_layer_autoencoder_of_greedy_stacking():
    from learnlab.models import build_model

    torch.manual_seed(0)
    ae = build_model(
        "autoencoder", (12,), 1, code=5, hidden=[], activation="sigmoid", code_activation=True
    )
    assert [type(m).__name__ for m in ae.encoder] == ["Linear", "Sigmoid"]
    x = torch.randn(7, 12)
    code = ae.encode(x)
    assert code.shape == (7, 5) and bool(((code > 0) & (code < 1)).all())
    linear = ae.encoder[0]
    assert torch.allclose(code, torch.sigmoid(linear(x)))
    assert ae(x).shape == (7, 12)
    # the default keeps the code linear
    plain = build_model("autoencoder", (12,), 1, code=5, hidden=[], activation="sigmoid")
    assert [type(m).__name__ for m in plain.encoder] == ["Linear"]
