"""Embedding tools against oracles: scikit-learn's cosine nearest neighbours and ROC AUC, numpy
means and brute-force ranks, and probes on features whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import NearestNeighbors

from learnlab.analysis.embeddings import (
    analogy,
    centred,
    mean_vectors,
    nearest_neighbours,
    nearest_to,
    pair_similarities,
    partner_ranks,
    probe_accuracy,
    related_pairs_auc,
)


@pytest.fixture(autouse=True)
def one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def _vectors(n: int = 40, d: int = 6, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed))


def test_nearest_neighbours_match_scikit_learn_cosine():
    vectors = _vectors()
    queries = torch.tensor([0, 7, 39])
    ids, sims = nearest_neighbours(vectors, queries, k=5)
    oracle = NearestNeighbors(n_neighbors=6, metric="cosine").fit(vectors.numpy())
    distances, expected = oracle.kneighbors(vectors[queries].numpy())
    # the oracle's first neighbour is the query itself (distance 0), which we leave out
    assert (expected[:, 0] == queries.numpy()).all()
    assert ids.tolist() == expected[:, 1:].tolist()
    np.testing.assert_allclose(sims.numpy(), 1 - distances[:, 1:], atol=1e-5)
    with_self, _ = nearest_neighbours(vectors, queries, k=1, exclude_self=False)
    assert with_self[:, 0].tolist() == queries.tolist()


def test_centring_removes_the_common_direction():
    vectors = _vectors() + 10.0  # a shared offset makes every cosine close to 1
    assert pair_similarities(vectors, torch.tensor([[0, 1], [2, 3]])).min() > 0.9
    assert torch.allclose(centred(vectors).mean(0), torch.zeros(6), atol=1e-5)
    np.testing.assert_allclose(centred(vectors).numpy(), (vectors - vectors.mean(0)).numpy())


def test_nearest_to_leaves_out_excluded_rows():
    vectors = torch.tensor([[1.0, 0.0], [0.99, 0.1], [0.9, 0.3], [0.0, 1.0]])
    ids, _ = nearest_to(vectors, torch.tensor([[1.0, 0.0]]), k=2, exclude=torch.tensor([[0, 1]]))
    assert ids.tolist() == [[2, 3]]


def test_analogy_finds_the_parallel_word():
    # a : b :: c : d with b - a = d - c, plus distractors
    a, b = torch.tensor([1.0, 0.0, 0.0]), torch.tensor([1.0, 1.0, 0.0])
    c, d = torch.tensor([0.0, 0.0, 1.0]), torch.tensor([0.0, 1.0, 1.0])
    vectors = torch.stack([a, b, c, d, torch.tensor([1.0, -1.0, 0.5]), torch.tensor([-1, 0, 0.0])])
    assert analogy(vectors, 0, 1, 2, k=1).tolist() == [3]


def test_mean_vectors_is_the_mean_of_the_rows():
    vectors = _vectors(10, 3)
    sentences = [torch.tensor([1, 2, 2]), torch.tensor([9]), torch.tensor([], dtype=torch.int64)]
    means = mean_vectors(vectors, sentences)
    v = vectors.numpy()
    np.testing.assert_allclose(means[0].numpy(), v[[1, 2, 2]].mean(0), rtol=1e-6)
    np.testing.assert_allclose(means[1].numpy(), v[9], rtol=1e-6)
    assert torch.equal(means[2], torch.zeros(3))
    # order-blind by construction
    assert torch.equal(mean_vectors(vectors, [torch.tensor([2, 1, 2])])[0], means[0])


def test_related_pairs_auc_matches_scikit_learn():
    vectors = _vectors()
    related = torch.tensor([[0, 1], [2, 3], [4, 5]])
    unrelated = torch.tensor([[0, 9], [2, 20], [4, 30], [6, 7]])
    sims = np.r_[pair_similarities(vectors, related), pair_similarities(vectors, unrelated)]
    expected = roc_auc_score([1, 1, 1, 0, 0, 0, 0], sims)
    assert related_pairs_auc(vectors, related, unrelated) == pytest.approx(expected)
    # pairs of identical directions are the most similar there are
    twins = vectors.clone()
    twins[1], twins[3], twins[5] = 2 * twins[0], 3 * twins[2], twins[4]
    assert related_pairs_auc(twins, related, unrelated) == 1.0


def test_partner_ranks_by_brute_force():
    vectors = _vectors(25, 4, seed=3)
    pairs = torch.tensor([[0, 1], [5, 24], [10, 9]])
    unit = vectors.numpy() / np.linalg.norm(vectors.numpy(), axis=1, keepdims=True)
    for (a, b), rank in zip(pairs.tolist(), partner_ranks(vectors, pairs).tolist(), strict=True):
        others = [j for j in range(25) if j != a]
        order = sorted(others, key=lambda j: -unit[a] @ unit[j])
        assert rank == order.index(b) + 1


def test_probe_reads_what_the_features_hold():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 100)
    informative = rng.normal(size=(200, 5)) + labels[:, None] * 3.0
    noise = rng.normal(size=(200, 5))
    accuracy, spread = probe_accuracy(informative, labels, folds=5, seed=0)
    assert accuracy > 0.95 and spread >= 0
    chance, _ = probe_accuracy(noise, labels, folds=5, seed=0)
    assert 0.3 < chance < 0.7
    assert probe_accuracy(noise, labels, folds=5, seed=0)[0] == chance  # seeded folds
