"""The analysis contract over every analysis that takes a model: the model comes back in the
mode it came in, with each parameter's requires_grad and gradient as they were, and unchanged
weights; the result is a frozen dataclass."""

from __future__ import annotations

import dataclasses

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from learnlab.analysis.adversarial.gradient import fgsm, pgd
from learnlab.analysis.adversarial.lbfgs import lbfgs_attack
from learnlab.analysis.base import loss_closure
from learnlab.analysis.critical_points import critical_points
from learnlab.analysis.fisher import fisher_diagonal
from learnlab.analysis.hessian import (
    dense_hessian,
    hessian_eigenvalues,
    index,
    spectral_density,
    top_eigenvalues,
    trace,
)
from learnlab.analysis.landscape import linear_path, loss_plane
from learnlab.analysis.pruning import magnitude_masks
from learnlab.analysis.sharpness import model_sharpness
from learnlab.analysis.subspace.training import train_in_subspace
from learnlab.analysis.teacher_student import teacher_labels, teacher_margins


def cross_entropy(model, batch):
    return F.cross_entropy(model(batch[0]), batch[1]), {}


def trained(model: nn.Module) -> list[nn.Parameter]:
    """The parameters a closure-based estimator is given: those that require grad."""
    return [p for p in model.parameters() if p.requires_grad]


# name -> a call of the analysis on (model, objective, batch)
MODEL_ANALYSES = {
    "hessian_eigenvalues": lambda m, o, b: hessian_eigenvalues(m, o, b, k=2),
    "dense_hessian": dense_hessian,
    "top_eigenvalues": lambda m, o, b: top_eigenvalues(loss_closure(m, o, b), trained(m), 2),
    "trace": lambda m, o, b: trace(loss_closure(m, o, b), trained(m), samples=4),
    "spectral_density": lambda m, o, b: spectral_density(loss_closure(m, o, b), trained(m)),
    "index": lambda m, o, b: index(loss_closure(m, o, b), trained(m)),
    "fgsm": lambda m, o, b: fgsm(m, b[0].sigmoid(), b[1], 0.1),  # inputs in [0, 1]
    "pgd": lambda m, o, b: pgd(m, b[0].sigmoid(), b[1], 0.1, steps=2, step_size=0.05),
    "linear_path": lambda m, o, b: linear_path(
        m, o, b, {k: 2 * v for k, v in m.state_dict().items()}, m.state_dict()
    ),
    "loss_plane": lambda m, o, b: loss_plane(m, o, b, alphas=[0, 1], betas=[-1, 1]),
    "lbfgs_attack": lambda m, o, b: lbfgs_attack(m, b[0].sigmoid(), (b[1] + 1) % 3, search_steps=2),
    "model_sharpness": lambda m, o, b: model_sharpness(m, o, b, eps=0.05, subspace=3),
    "critical_points": lambda m, o, b: critical_points(
        m, o, b, [torch.nn.utils.parameters_to_vector(m.parameters()) * 0.5], max_iterations=5
    ),
    "teacher_labels": lambda m, o, b: teacher_labels(m, b[0]),
    "teacher_margins": lambda m, o, b: teacher_margins(m, b[0]),
    "model_sharpness_batch_stats": lambda m, o, b: model_sharpness(m, o, b, batch_norm="batch"),
    "fisher_diagonal": lambda m, o, b: fisher_diagonal(m, b, kind="empirical", batch_size=3),
    "fisher_diagonal_true": lambda m, o, b: fisher_diagonal(m, b, kind="true"),
    "train_in_subspace": lambda m, o, b: train_in_subspace(m, 3, b, b, batch_size=4),
    "magnitude_masks": lambda m, o, b: magnitude_masks(m, 0.5),
}


def model_in_an_unusual_state() -> nn.Module:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 5), nn.Dropout(0.5), nn.ReLU(), nn.Linear(5, 3))
    model.train()
    model[1].eval()  # a submodule in another mode than its parent
    model[0].weight.requires_grad_(False)  # a frozen parameter
    model[3].bias.grad = torch.full_like(model[3].bias, 7.0)  # a gradient that must survive
    return model


@pytest.mark.parametrize("name", sorted(MODEL_ANALYSES))
def test_an_analysis_leaves_the_model_as_it_came(name):
    model = model_in_an_unusual_state()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    modes = [m.training for m in model.modules()]
    flags = [p.requires_grad for p in model.parameters()]
    grads = [None if p.grad is None else p.grad.clone() for p in model.parameters()]
    batch = (torch.randn(8, 4), torch.randint(0, 3, (8,)))
    result = MODEL_ANALYSES[name](model, cross_entropy, batch)
    assert [m.training for m in model.modules()] == modes
    assert [p.requires_grad for p in model.parameters()] == flags
    for p, g in zip(model.parameters(), grads, strict=True):
        assert (p.grad is None) == (g is None) and (g is None or torch.equal(p.grad, g))
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key
    if dataclasses.is_dataclass(result):
        assert type(result).__dataclass_params__.frozen


def test_the_model_is_restored_when_the_analysis_fails():
    model = model_in_an_unusual_state()
    modes = [m.training for m in model.modules()]

    def broken(m, batch):
        raise RuntimeError("objective failed")

    with pytest.raises(RuntimeError, match="objective failed"):
        hessian_eigenvalues(model, broken, None, k=1)
    assert [m.training for m in model.modules()] == modes
    assert not model[0].weight.requires_grad
