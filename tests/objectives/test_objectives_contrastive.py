"""NT-Xent against an explicit loop over pairs in float64, batch-hard triplet mining against
brute force over every triplet, bad input refused naming the argument, and both objectives
training an encoder with its projection head through the Trainer."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from learnlab.data.loader import TensorLoader
from learnlab.io.errors import ConfigError
from learnlab.objectives.contrastive import (
    BatchHardTriplet,
    SimCLR,
    batch_hard_triplet,
    nt_xent,
)
from learnlab.procedures.base import Stage, train_stage


def nt_xent_by_loop(z1: torch.Tensor, z2: torch.Tensor, temperature: float) -> float:
    """Chen et al. (2020), Algorithm 1, written out pair by pair."""
    z = [*z1.tolist(), *z2.tolist()]
    n = len(z1)

    def cosine(a: list[float], b: list[float]) -> float:
        dot = sum(x * y for x, y in zip(a, b, strict=True))
        return dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))

    total = 0.0
    for i in range(2 * n):
        positive = (i + n) % (2 * n)
        denominator = sum(
            math.exp(cosine(z[i], z[k]) / temperature) for k in range(2 * n) if k != i
        )
        total += -math.log(math.exp(cosine(z[i], z[positive]) / temperature) / denominator)
    return total / (2 * n)


@pytest.mark.parametrize("temperature", [0.1, 0.5, 2.0])
@pytest.mark.parametrize("n", [2, 5])
def test_nt_xent_matches_a_loop_over_pairs_in_float64(temperature, n):
    g = torch.Generator().manual_seed(n)
    z1 = torch.randn(n, 3, generator=g, dtype=torch.float64)
    z2 = torch.randn(n, 3, generator=g, dtype=torch.float64)
    got = nt_xent(z1, z2, temperature)
    assert got.dtype == torch.float64
    assert float(got) == pytest.approx(nt_xent_by_loop(z1, z2, temperature), rel=1e-12)


def test_nt_xent_uses_cosine_similarity_and_is_symmetric_in_the_views():
    g = torch.Generator().manual_seed(0)
    z1, z2 = torch.randn(4, 6, generator=g), torch.randn(4, 6, generator=g)
    scaled = nt_xent(3 * z1, 0.5 * z2, 0.5)
    torch.testing.assert_close(scaled, nt_xent(z1, z2, 0.5))
    torch.testing.assert_close(nt_xent(z2, z1, 0.5), nt_xent(z1, z2, 0.5))
    # views that agree beat views that do not
    assert nt_xent(z1, z1, 0.5) < nt_xent(z1, z2, 0.5)


def test_nt_xent_two_orthogonal_examples_by_hand():
    # anchors see their positive at cos 1 and two negatives at cos 0: -log(e / (e + 2))
    z = torch.eye(2, dtype=torch.float64)
    assert float(nt_xent(z, z, 1.0)) == pytest.approx(math.log(1 + 2 / math.e), rel=1e-12)


@pytest.mark.parametrize(
    ("z1", "z2", "temperature", "match"),
    [
        (torch.ones(4, 3), torch.ones(4, 3), 0.0, "temperature=0.0"),
        (torch.ones(4, 3), torch.ones(4, 3), -1.0, "temperature=-1.0"),
        (torch.ones(4, 3), torch.ones(5, 3), 0.5, r"z1 \(4, 3\) and z2 \(5, 3\)"),
        (torch.ones(4, 3), torch.ones(4, 2), 0.5, "same shape"),
        (torch.ones(1, 3), torch.ones(1, 3), 0.5, r"hold 1 example.*>= 2"),
    ],
)
def test_nt_xent_bad_input_is_a_config_error_naming_the_argument(z1, z2, temperature, match):
    with pytest.raises(ConfigError, match=match):
        nt_xent(z1, z2, temperature)


def triplet_by_brute_force(e: torch.Tensor, labels: list[int], margin: float | None) -> float:
    """Every triplet (a, p, n) of the batch; for each anchor the worst one's loss."""
    per_anchor = []
    for a in range(len(e)):
        worst = None
        for p in range(len(e)):
            for n in range(len(e)):
                if p == a or labels[p] != labels[a] or labels[n] == labels[a]:
                    continue
                gap = float((e[a] - e[p]).norm() - (e[a] - e[n]).norm())
                loss = math.log1p(math.exp(gap)) if margin is None else max(0.0, margin + gap)
                worst = loss if worst is None else max(worst, loss)
        if worst is not None:  # anchors without a positive or a negative do not count
            per_anchor.append(worst)
    return sum(per_anchor) / len(per_anchor)


@pytest.mark.parametrize("margin", [0.0, 0.2, 5.0, None])
def test_batch_hard_triplet_matches_brute_force_over_every_triplet(margin):
    g = torch.Generator().manual_seed(1)
    e = torch.randn(9, 4, generator=g, dtype=torch.float64)
    labels = [0, 0, 1, 1, 1, 2, 2, 3, 0]  # label 3 has no positive: its anchor is left out
    got = batch_hard_triplet(e, torch.tensor(labels), margin)
    assert float(got) == pytest.approx(triplet_by_brute_force(e, labels, margin), rel=1e-12)


def test_batch_hard_triplet_gradients_are_finite_even_for_equal_embeddings():
    e = torch.zeros(4, 2, requires_grad=True)
    batch_hard_triplet(e, torch.tensor([0, 0, 1, 1]), 0.2).backward()
    assert torch.isfinite(e.grad).all()


@pytest.mark.parametrize(
    ("embeddings", "labels", "margin", "match"),
    [
        (torch.ones(1, 3), torch.tensor([0]), 0.2, r"1 example.*>= 2"),
        (torch.ones(3, 3), torch.tensor([0, 1]), 0.2, "labels"),
        (torch.ones(3, 3), torch.tensor([0, 1, 1]), -0.1, "margin"),
    ],
)
def test_batch_hard_triplet_bad_input_is_a_config_error(embeddings, labels, margin, match):
    with pytest.raises(ConfigError, match=match):
        batch_hard_triplet(embeddings, labels, margin)


def _encoder_and_data():
    torch.manual_seed(0)
    encoder = nn.Sequential(nn.Flatten(), nn.Linear(16, 8))
    head = nn.Sequential(nn.ReLU(), nn.Linear(8, 4))
    x = torch.randn(32, 1, 4, 4)
    y = torch.arange(32) % 4
    return encoder, head, TensorLoader(x, y, batch_size=16, seed=0)


def _noise(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    return x + 0.1 * torch.randn(x.shape, generator=generator)


@pytest.mark.parametrize("kind", ["simclr", "triplet"])
def test_objectives_train_the_encoder_and_their_head_through_the_trainer(kind):
    encoder, head, loader = _encoder_and_data()
    objective = (
        SimCLR(head, _noise, temperature=0.5, seed=0)
        if kind == "simclr"
        else BatchHardTriplet(head, margin=0.2, augment=_noise, seed=0)
    )
    assert objective.extra_modules() == [head]
    head_before = [p.detach().clone() for p in head.parameters()]
    encoder_before = [p.detach().clone() for p in encoder.parameters()]
    phase = train_stage(encoder, objective, loader, Stage(epochs=3, lr=1e-2), name=kind)
    losses = [record["train_loss"] for record in phase.history]
    assert all(math.isfinite(v) for v in losses) and losses[-1] < losses[0]
    for before, after in [(head_before, head), (encoder_before, encoder)]:
        assert any(not torch.equal(b, p) for b, p in zip(before, after.parameters(), strict=True))
    if kind == "simclr":
        assert 0.0 <= phase.history[-1]["train_positive_top1"] <= 1.0


def test_simclr_refuses_a_temperature_of_zero_when_built():
    with pytest.raises(ConfigError, match="temperature=0"):
        SimCLR(nn.Identity(), _noise, temperature=0)
