"""Szegedy's box-constrained L-BFGS attack against exact answers on two-class linear models
(where the smallest change that flips the prediction has a closed form, or is a small
quadratic programme SciPy solves), the box, success by re-prediction and bad input."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from learnlab.analysis.adversarial.lbfgs import lbfgs_attack
from learnlab.analysis.adversarial.success import attack_success, distortion, predictions
from learnlab.io.errors import ConfigError


def two_class_problem(centre: float, seed: int = 0):
    """A float64 linear model with two classes whose boundary passes through the middle of the
    box, inputs near `centre`, the other class as target; `a`, `b` and `sign` write the
    target's side of the boundary as sign (a.z + b) > 0."""
    torch.manual_seed(seed)
    model = nn.Linear(6, 2).double()
    with torch.no_grad():
        # steep: the search's last bracket on c (a ratio near 1) moves the boundary's logit by
        # a few 1e-4, a change of input of that over |a|: negligible beside the distances
        model.weight.mul_(50.0)
        model.bias[1] = model.bias[0] - 0.5 * (model.weight[1] - model.weight[0]).sum()
    x = (centre + 0.1 * torch.randn(4, 6, dtype=torch.float64)).clamp(0, 1)
    target = 1 - predictions(model, x)
    a = (model.weight[1] - model.weight[0]).detach()
    b = float((model.bias[1] - model.bias[0]).detach())
    sign = torch.where(target == 1, 1.0, -1.0).double()
    return model, x, target, a, b, sign


@pytest.mark.parametrize("penalty", ["l2", "squared-l2"])
@pytest.mark.parametrize("batch_size", [1, 4])
def test_the_change_is_the_distance_to_the_boundary(penalty, batch_size):
    # inputs near the middle, where the nearest point of the boundary lies inside the box:
    # the smallest change is |a.x + b| / |a| along a
    model, x, target, a, b, sign = two_class_problem(centre=0.5)
    nearest = (-sign * (x @ a + b)).abs() / a.norm()
    adv = lbfgs_attack(model, x, target, penalty=penalty, search_steps=14, batch_size=batch_size)
    assert attack_success(model, adv, 1 - target, target=target).all()
    ratio = distortion(x, adv) / nearest
    assert ((ratio >= 1 - 1e-6) & (ratio <= 1.01)).all(), ratio
    change = adv - x
    cosine = (change @ a) * sign / (change.norm(dim=1) * a.norm())
    assert (cosine > 0.9999).all()  # straight at the boundary, no wasted movement


def test_the_box_is_respected_and_the_change_matches_the_quadratic_programme():
    import numpy as np
    from scipy.optimize import minimize

    # inputs in a corner: the nearest point of the boundary lies outside [0, 1], the box binds
    model, x, target, a, b, sign = two_class_problem(centre=0.05)
    adv = lbfgs_attack(model, x, target, search_steps=14)
    assert adv.min() >= 0 and adv.max() <= 1 and adv.dtype == x.dtype
    assert attack_success(model, adv, 1 - target, target=target).all()
    for i in range(x.shape[0]):
        xi, s = x[i].numpy(), float(sign[i])
        exact = minimize(
            lambda z, xi=xi: float(((z - xi) ** 2).sum()),
            xi.copy(),
            jac=lambda z, xi=xi: 2 * (z - xi),
            method="SLSQP",
            bounds=[(0.0, 1.0)] * xi.size,
            constraints=[{"type": "ineq", "fun": lambda z, s=s: s * (z @ a.numpy() + b)}],
            options={"ftol": 1e-14, "maxiter": 500},
        )
        smallest = float(np.linalg.norm(exact.x - xi))
        assert np.any(exact.x <= 1e-9) or np.any(exact.x >= 1 - 1e-9)  # the box is active
        found = float((adv[i] - x[i]).norm())
        assert smallest * (1 - 1e-4) <= found <= smallest * 1.01, (found, smallest)


def test_unreachable_targets_are_failures_and_stay_in_the_box():
    # a model that cannot predict class 1 anywhere in [0, 1]: no c succeeds
    model = nn.Linear(3, 2).double()
    with torch.no_grad():
        model.weight.zero_()
        model.bias.copy_(torch.tensor([5.0, 0.0]))
    x = torch.rand(2, 3, dtype=torch.float64)
    target = torch.ones(2, dtype=torch.long)
    adv = lbfgs_attack(model, x, target, search_steps=3)
    assert adv.shape == x.shape and adv.min() >= 0 and adv.max() <= 1
    assert not attack_success(model, adv, torch.zeros(2, dtype=torch.long), target=target).any()


def test_a_multiclass_network_in_float32_is_fooled_and_left_as_it_came():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(10, 16), nn.Sigmoid(), nn.Linear(16, 4))
    with torch.no_grad():  # steep enough that every class is predicted somewhere in the box
        model[0].weight.mul_(10)
        model[2].weight.mul_(10)
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.rand(5, 10)
    target = (predictions(model, x) + 1) % 4
    adv = lbfgs_attack(model, x, target, batch_size=2)
    assert adv.dtype == torch.float32 and adv.shape == x.shape
    assert adv.min() >= 0 and adv.max() <= 1
    assert attack_success(model, adv, target - 1, target=target).all()
    assert model.training and all(p.requires_grad for p in model.parameters())
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())


@pytest.mark.parametrize(
    ("change", "argument"),
    [
        ({"c_initial": 0.0}, "c_initial"),
        ({"c_initial": -1.0}, "c_initial"),
        ({"search_steps": 0}, "search_steps"),
        ({"max_iterations": 0}, "max_iterations"),
        ({"batch_size": 0}, "batch_size"),
        ({"penalty": "l1"}, "penalty"),
        ({"target": torch.tensor([0, 7])}, "target"),
        ({"target": torch.tensor([0.0, 1.0])}, "target"),
        ({"target": torch.tensor([0])}, "y"),
        ({"x": torch.tensor([[0.5, 1.5, 0.0], [0.1, 0.2, 0.3]])}, "x"),
    ],
)
def test_bad_input_is_a_config_error_naming_the_argument(change, argument):
    model = nn.Linear(3, 2)
    arguments = {"x": torch.rand(2, 3), "target": torch.tensor([0, 1])}
    arguments.update(change)
    x, target = arguments.pop("x"), arguments.pop("target")
    with pytest.raises(ConfigError, match=argument):
        lbfgs_attack(model, x, target, **arguments)


def test_a_model_without_parameters_is_refused():
    with pytest.raises(ConfigError, match="model"):
        lbfgs_attack(nn.Flatten(), torch.rand(2, 3), torch.tensor([0, 1]))
