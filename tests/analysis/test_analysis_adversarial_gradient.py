"""FGSM and PGD (learnlab.analysis.adversarial.gradient) against exact answers on tiny float64
models: FGSM is clamp(x + eps sign(grad_x loss), 0, 1) bit for bit, in eval mode; PGD stays in
the eps ball and the [0, 1] box and reaches the known optimum of a linear model; bad
arguments are ConfigErrors naming the argument."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from learnlab.analysis.adversarial.gradient import fgsm, pgd
from learnlab.analysis.adversarial.success import attack_success, predictions
from learnlab.io.errors import ConfigError


def small_net(dropout: float = 0.0) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Dropout(dropout), nn.Linear(8, 3)).double()


def batch(n: int = 10):
    generator = torch.Generator().manual_seed(1)
    x = torch.rand(n, 6, generator=generator, dtype=torch.float64)
    x[0, :3] = torch.tensor([0.0, 1.0, 0.5])  # on the box's faces: the clamp matters
    return x, torch.randint(0, 3, (n,), generator=generator)


def formula(model: nn.Module, x, y, eps, loss=F.cross_entropy):
    """The definition, on a copy of the model in eval mode."""
    twin = copy.deepcopy(model).eval()
    z = x.clone().requires_grad_(True)
    loss(twin(z), y).backward()
    return (x + eps * z.grad.sign()).clamp(0, 1)


@pytest.mark.parametrize("eps", [0.0, 0.1, 0.3])
def test_fgsm_is_the_clamped_sign_step_exactly(eps):
    model = small_net()
    x, y = batch()
    assert torch.equal(fgsm(model, x, y, eps), formula(model, x, y, eps))


def test_fgsm_runs_the_model_in_eval_mode_and_takes_a_given_loss():
    model = small_net(dropout=0.5).train()  # dropout on in training mode: eval turns it off
    x, y = batch()

    def margin(logits, labels):  # a loss other than the cross-entropy
        return -logits.gather(1, labels[:, None]).sum()

    assert torch.equal(fgsm(model, x, y, 0.2, loss=margin), formula(model, x, y, 0.2, margin))
    assert model.training  # given back in training mode


def test_fgsm_keeps_the_inputs_dtype_and_raises_the_loss():
    model = small_net()
    x, y = batch()
    adversarial = fgsm(model, x, y, 0.1)
    assert adversarial.dtype == x.dtype and adversarial.shape == x.shape
    with torch.no_grad():
        assert F.cross_entropy(model(adversarial), y) > F.cross_entropy(model(x), y)


@pytest.mark.parametrize("norm", ["inf", "2"])
@pytest.mark.parametrize("random_start", [True, False])
def test_pgd_stays_in_the_ball_and_the_box(norm, random_start):
    model = small_net()
    x, y = batch(50)
    eps = 0.3 if norm == "inf" else 0.5
    adversarial = pgd(
        model, x, y, eps, steps=15, step_size=0.1, norm=norm, random_start=random_start
    )
    change = (adversarial - x).reshape(len(x), -1)
    size = change.abs().amax(dim=1) if norm == "inf" else change.norm(dim=1)
    assert (size <= eps * (1 + 1e-9)).all()
    assert adversarial.min() >= 0 and adversarial.max() <= 1
    with torch.no_grad():
        assert F.cross_entropy(model(adversarial), y) > F.cross_entropy(model(x), y)


def linear_two_classes() -> nn.Module:
    model = nn.Linear(6, 2).double()
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.5, -1.0, 2.0, 0.4, 0.3, -0.7], [0.0] * 6]))
        model.bias.zero_()
    return model


def test_pgd_reaches_the_optimum_of_a_linear_model():
    """For two classes and a linear model the loss grows with the logit difference: the L-inf
    optimum moves every input by eps towards the wrong class (then the
    box); the L2 optimum (away from the box) moves by eps along the weight difference."""
    model = linear_two_classes()
    x = torch.full((1, 6), 0.5, dtype=torch.float64)
    x[0, 1] = 0.95  # the box cuts this input's move short
    y = torch.tensor([0])
    direction = model.weight[1] - model.weight[0]  # the loss grows along it
    with torch.no_grad():
        best_inf = (x + 0.2 * direction.sign()).clamp(0, 1)
        best_2 = x + 0.05 * direction / direction.norm()
    found_inf = pgd(model, x, y, 0.2, steps=30, step_size=0.05, random_start=True)
    found_2 = pgd(model, x, y, 0.05, steps=60, step_size=0.05, norm="2", random_start=True)
    assert torch.allclose(found_inf, best_inf, atol=1e-12)
    assert torch.allclose(found_2, best_2, atol=1e-9)


def test_pgd_is_seeded():
    model = small_net()
    x, y = batch()
    same = [pgd(model, x, y, 0.2, steps=1, step_size=0.01, seed=3) for _ in range(2)]
    other = pgd(model, x, y, 0.2, steps=1, step_size=0.01, seed=4)
    assert torch.equal(*same) and not torch.equal(same[0], other)


def test_success_is_read_by_predicting_the_attacked_inputs_again():
    model = small_net()
    x, y = batch(50)
    adversarial = fgsm(model, x, y, 0.5)
    assert torch.equal(attack_success(model, adversarial, y), predictions(model, adversarial) != y)


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda m, x, y: fgsm(m, x, y, -0.1), "eps"),
        (lambda m, x, y: pgd(m, x, y, -0.1), "eps"),
        (lambda m, x, y: pgd(m, x, y, 0.1, step_size=-1.0), "step_size"),
        (lambda m, x, y: pgd(m, x, y, 0.1, steps=0), "steps"),
        (lambda m, x, y: pgd(m, x, y, 0.1, norm="1"), "norm"),
        (lambda m, x, y: fgsm(m, x * 3, y, 0.1), "x"),
        (lambda m, x, y: fgsm(m, x, y[:2], 0.1), "y"),
        (lambda m, x, y: fgsm(nn.Flatten(), x, y, 0.1), "model"),
        (lambda m, x, y: fgsm(m, x, y, 0.1, loss=lambda logits, t: logits.sum(1)), "loss"),
    ],
)
def test_bad_arguments_are_config_errors_naming_them(call, argument):
    x, y = batch()
    with pytest.raises(ConfigError, match=argument):
        call(small_net(), x, y)
