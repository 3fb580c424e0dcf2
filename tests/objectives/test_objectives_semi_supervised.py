"""Semi-supervised objectives against values computed by hand on tiny inputs."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from learnlab.data.semi_supervised import SemiSupervisedBatch
from learnlab.io.errors import ConfigError
from learnlab.objectives.semi_supervised import (
    LabelledOnly,
    PseudoLabel,
    VirtualAdversarial,
    adversarial_direction,
    ramp_weight,
)


def _softplus(v: float) -> float:
    return math.log1p(math.exp(v))


def _identity_batch() -> SemiSupervisedBatch:
    # nn.Identity as the model: the inputs are the logits
    labelled = (torch.tensor([[2.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 1]))
    unlabelled = torch.tensor([[3.0, 0.0], [0.2, 0.0]])
    return SemiSupervisedBatch(labelled, unlabelled)


def test_ramp_weight_is_lees_alpha():
    assert [ramp_weight(t, 3.0, 2, 6) for t in (0, 1, 2, 3, 4, 6, 100)] == [
        0.0,
        0.0,
        0.0,
        0.75,
        1.5,
        3.0,
        3.0,
    ]


def test_pseudo_label_by_hand():
    objective = PseudoLabel(threshold=0.9, weight=2.0, ramp_start=0, ramp_end=4)
    model = nn.Identity()
    supervised = (_softplus(-2.0) + _softplus(-1.0)) / 2
    # softmax([3, 0]) gives 0.953 >= 0.9: its target is class 0, CE = log(1 + e^-3);
    # softmax([0.2, 0]) gives 0.55 < 0.9: masked out; the mean is over both examples
    unlabelled = _softplus(-3.0) / 2
    loss, metrics = objective(model, _identity_batch())  # step 0: alpha = 0
    assert loss.item() == pytest.approx(supervised, rel=1e-6)
    assert metrics["unlabelled_loss"].item() == pytest.approx(unlabelled, rel=1e-6)
    assert metrics["confident"].item() == 0.5
    loss, _ = objective(model, _identity_batch())  # step 1: alpha = 2 * 1/4
    assert loss.item() == pytest.approx(supervised + 0.5 * unlabelled, rel=1e-6)


def test_pseudo_label_does_not_ramp_in_eval_mode():
    objective = PseudoLabel(threshold=0.5, ramp_start=0, ramp_end=4)
    model = nn.Identity().eval()
    objective(model, _identity_batch())
    assert objective.step == 0


def test_labelled_only_ignores_the_unlabelled_part():
    batch = _identity_batch()
    loss, _ = LabelledOnly()(nn.Identity(), batch)
    assert loss.item() == pytest.approx((_softplus(-2.0) + _softplus(-1.0)) / 2, rel=1e-6)
    assert LabelledOnly().batch_examples(batch) == 4
    plain, _ = PseudoLabel()(nn.Identity(), batch.labelled)  # a validation batch: labels only
    assert plain.item() == pytest.approx(loss.item())


@pytest.mark.parametrize("threshold", [0.0, 1.0, -0.1, 1.5])
def test_threshold_outside_the_open_interval_is_refused(threshold):
    with pytest.raises(ConfigError, match="threshold"):
        PseudoLabel(threshold=threshold)


def _linear_hessian(model: nn.Linear, x: torch.Tensor) -> torch.Tensor:
    """The Hessian in r of KL(p(x) || p(x + r)) at r = 0 for softmax(W x + b), one example:
    W^T (diag(p) - p p^T) W."""
    with torch.no_grad():
        p = model(x).softmax(dim=1)[0]
        return model.weight.T @ (torch.diag(p) - torch.outer(p, p)) @ model.weight


def _tiny_linear() -> tuple[nn.Linear, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    model = nn.Linear(4, 3).double()
    return model, torch.randn(1, 4, dtype=torch.float64), torch.randn(1, 4, dtype=torch.float64)


def test_one_power_iteration_is_the_hessian_times_d():
    model, x, start = _tiny_linear()
    with torch.no_grad():
        clean = model(x)
    d = adversarial_direction(model, x, clean, start, xi=1e-5, iterations=1)
    expected = _linear_hessian(model, x) @ (start[0] / start[0].norm())
    torch.testing.assert_close(d[0], expected / expected.norm(), rtol=1e-4, atol=1e-6)


def test_power_iteration_finds_the_top_eigenvector():
    model, x, start = _tiny_linear()
    with torch.no_grad():
        clean = model(x)
    d = adversarial_direction(model, x, clean, start, xi=1e-5, iterations=60)
    eigenvalues, vectors = torch.linalg.eigh(_linear_hessian(model, x))
    top = vectors[:, -1]
    assert eigenvalues[-1] > 2 * eigenvalues[-2]  # a clear top direction
    assert abs(float(d[0] @ top)) == pytest.approx(1.0, abs=1e-6)


def test_vat_loss_is_the_kl_at_eps_along_the_direction():
    model, x, _ = _tiny_linear()
    eps = 0.7
    objective = VirtualAdversarial(
        eps=eps, xi=1e-5, iterations=1, weight=1.0, generator=torch.Generator().manual_seed(3)
    )
    start = torch.randn(x.shape, generator=torch.Generator().manual_seed(3), dtype=x.dtype)
    loss, metrics = objective.unlabelled_loss(model, x)
    with torch.no_grad():
        d = _linear_hessian(model, x) @ start[0]
        d = d / d.norm()
        p = model(x).softmax(1)[0]
        q = model(x + eps * d).softmax(1)[0]
        expected = float((p * (p / q).log()).sum())
    assert loss.item() == pytest.approx(expected, rel=1e-4)
    assert metrics["unlabelled_loss"].item() == pytest.approx(expected, rel=1e-4)
