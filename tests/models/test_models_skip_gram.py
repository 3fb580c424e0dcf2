"""The skip-gram model and its negative-sampling objective, against float64 oracles.

Besides the registry-wide contract (tests/models/test_models_contract.py): scores are the dot
products of the two tables' rows; the loss equals its formula computed directly in float64 and
its gradient passes torch's float64 finite-difference check; the noise distribution is the
unigram distribution to the 3/4 power; subsampling keeps each word with min(1, sqrt(t / f));
the seeded pair generator gives the pairs a direct loop over the text gives; and a few steps of
training pull together words that occur together.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from learnlab.io.errors import ConfigError
from learnlab.models import build_model
from learnlab.models.skip_gram import SkipGram
from learnlab.objectives.negative_sampling import (
    NegativeSampling,
    draw_noise,
    keep_probabilities,
    negative_sampling_loss,
    noise_distribution,
    skip_gram_pairs,
    subsample,
)


@pytest.fixture(autouse=True)
def one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def test_scores_are_dot_products_of_input_and_output_vectors():
    torch.manual_seed(0)
    model = build_model("skip-gram", (4,), 30, dim=7)
    centres = torch.tensor([0, 5, 29])
    candidates = torch.tensor([[1, 2, 3, 4], [5, 5, 0, 29], [28, 27, 26, 25]])
    scores = model(centres, candidates).double()
    v = model.input_embeddings.weight.double()
    u = model.output_embeddings.weight.double()
    expected = torch.stack([u[candidates[i]] @ v[centres[i]] for i in range(3)])
    torch.testing.assert_close(scores, expected, rtol=1e-6, atol=1e-9)
    assert torch.equal(model.word_vectors(), model.input_embeddings.weight.detach())
    both = model.word_vectors(add_output=True)
    assert torch.equal(both, model.input_embeddings.weight + model.output_embeddings.weight)
    assert not both.requires_grad


def test_factory_checks_its_arguments():
    assert isinstance(build_model("skip-gram", (6,), 100), SkipGram)
    with pytest.raises(ConfigError, match="number of candidate contexts"):
        build_model("skip-gram", (6, 2), 100)
    with pytest.raises(ConfigError, match="at least 2 words"):
        build_model("skip-gram", (6,), 1)
    with pytest.raises(ConfigError, match="'dim' must be an integer >= 1"):
        build_model("skip-gram", (6,), 100, dim=0)


def test_loss_equals_the_formula_in_float64():
    scores = torch.randn(6, 4, generator=torch.Generator().manual_seed(0)) * 4
    s = scores.double().numpy()
    sigma = lambda x: 1.0 / (1.0 + np.exp(-x))  # noqa: E731
    expected = -np.log(sigma(s[:, 0])) - np.log(sigma(-s[:, 1:])).sum(axis=1)
    np.testing.assert_allclose(negative_sampling_loss(scores).numpy(), expected, rtol=1e-5)
    # stable where the naive formula would take the log of 0
    big = torch.tensor([[-200.0, 200.0]])
    assert math.isclose(float(negative_sampling_loss(big)[0]), 400.0, rel_tol=1e-6)


def test_objective_gradient_passes_finite_differences():
    model = SkipGram(12, 3).double()
    centres = torch.tensor([0, 3, 7])
    candidates = torch.tensor([[1, 2, 5], [4, 4, 11], [7, 0, 9]])
    weights = (model.input_embeddings.weight, model.output_embeddings.weight)

    def loss(v: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        scores = torch.einsum("nd,ncd->nc", v[centres], u[candidates])
        return negative_sampling_loss(scores).mean()

    inputs = tuple(w.detach().clone().requires_grad_(True) for w in weights)
    assert torch.autograd.gradcheck(loss, inputs, eps=1e-6, atol=1e-7)


def test_objective_draws_noise_and_reports_rank_accuracy():
    torch.manual_seed(0)
    model = SkipGram(20, 4)
    noise = noise_distribution(torch.arange(1, 21))
    objective = NegativeSampling(noise, negatives=3, generator=torch.Generator().manual_seed(1))
    centres, contexts = torch.tensor([1, 2, 3, 4]), torch.tensor([5, 6, 7, 8])
    loss, metrics = objective(model, (centres, contexts))
    # the same noise words drawn again give the same loss through the formula
    again = draw_noise(noise.float(), 4, 3, torch.Generator().manual_seed(1))
    scores = model(centres, torch.cat([contexts[:, None], again], dim=1))
    torch.testing.assert_close(loss, negative_sampling_loss(scores).mean())
    expected = (scores[:, :1] > scores[:, 1:]).float().mean(dim=1)
    torch.testing.assert_close(metrics["accuracy"], expected)


def test_noise_distribution_is_unigram_to_the_three_quarters():
    counts = torch.tensor([100, 10, 1, 0, 55])
    c = counts.numpy().astype(np.float64)
    expected = c**0.75 / (c**0.75).sum()
    np.testing.assert_allclose(noise_distribution(counts).numpy(), expected, rtol=1e-12)
    assert noise_distribution(counts).dtype == torch.float64
    # draws follow it: chi-square goodness of fit at 200,000 draws
    from scipy.stats import chisquare

    draws = draw_noise(noise_distribution(counts).float(), 40_000, 5, torch.Generator())
    observed = torch.bincount(draws.flatten(), minlength=5).numpy()
    assert observed[3] == 0
    keep = expected > 0
    assert chisquare(observed[keep], expected[keep] * observed.sum()).pvalue > 1e-4


def test_subsampling_keeps_words_with_the_papers_probability():
    counts = torch.tensor([900, 90, 9, 1])
    t = 0.01
    f = counts.numpy() / counts.sum().item()
    expected = np.minimum(1.0, np.sqrt(t / f))
    np.testing.assert_allclose(keep_probabilities(counts, t).numpy(), expected, rtol=1e-12)
    ids = torch.tensor([0, 1, 2, 3]).repeat(20_000)
    kept = subsample(ids, keep_probabilities(counts, t), torch.Generator().manual_seed(0))
    rates = torch.bincount(kept, minlength=4).double().numpy() / 20_000
    np.testing.assert_allclose(rates, expected, atol=0.01)
    assert rates[2] == rates[3] == 1.0  # rare words are never dropped


def _reference_pairs(ids: list[int], spans: list[int]) -> list[list[int]]:
    """The pairs by a direct loop: each centre, distance 1..its span, right then left."""
    pairs = []
    for i, b in enumerate(spans):
        for d in range(1, b + 1):
            if i + d < len(ids):
                pairs.append([ids[i], ids[i + d]])
            if i - d >= 0:
                pairs.append([ids[i], ids[i - d]])
    return pairs


@pytest.mark.parametrize(("n", "window", "seed"), [(7, 2, 0), (12, 3, 5), (3, 5, 1), (1, 2, 0)])
def test_seeded_pairs_match_a_direct_loop(n, window, seed):
    ids = torch.arange(100, 100 + n)
    pairs = skip_gram_pairs(ids, window, torch.Generator().manual_seed(seed))
    spans = torch.randint(1, window + 1, (n,), generator=torch.Generator().manual_seed(seed))
    assert pairs.tolist() == _reference_pairs(ids.tolist(), spans.tolist())
    again = skip_gram_pairs(ids, window, torch.Generator().manual_seed(seed))
    assert torch.equal(pairs, again)


def test_pairs_of_a_tiny_text_by_hand():
    # "to be or not": window 1 pairs each word with its neighbours
    ids = torch.tensor([0, 1, 2, 3])
    pairs = skip_gram_pairs(ids, 1, torch.Generator().manual_seed(0))
    assert pairs.tolist() == [[0, 1], [1, 2], [1, 0], [2, 3], [2, 1], [3, 2]]
    # with window 2 every centre draws b in {1, 2}; the pairs at distance 2 are a subset
    wide = {tuple(p) for p in skip_gram_pairs(ids, 2, torch.Generator().manual_seed(3)).tolist()}
    assert {tuple(p) for p in pairs.tolist()} <= wide
    assert wide <= {(a, b) for a in range(4) for b in range(4) if 0 < abs(a - b) <= 2}
