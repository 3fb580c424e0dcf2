"""Gradient attacks: the fast gradient sign method (Goodfellow, Shlens & Szegedy 2015) and
projected gradient descent (Madry et al. 2018), on a trained model.

Both ascend `loss(model(x), y)` (the cross-entropy of the logits unless a loss is given) with
the model in eval mode, return inputs like `x` (its dtype and device) inside the [0, 1] box and
the eps ball, and leave the model's mode, `requires_grad`, gradients and weights as they came.
The steps themselves are `learnlab.objectives.adversarial`'s, which adversarial training uses
too.

Example:
    >>> import torch
    >>> from torch import nn
    >>> model = nn.Linear(2, 2)
    >>> x, y = torch.full((1, 2), 0.5), torch.tensor([0])
    >>> torch.allclose((fgsm(model, x, y, eps=0.1) - x).abs(), torch.full((1, 2), 0.1))
    True
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from learnlab.analysis.adversarial.inputs import (
    AttackLoss,
    check_attack_inputs,
    check_budget,
    default_loss,
)
from learnlab.analysis.base import preserved_model_state
from learnlab.io.errors import ConfigError


def _loss_of_input(model: nn.Module, y: Tensor, loss: AttackLoss | None):
    loss = loss or default_loss
    return lambda z: loss(model(z), y)


def _device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


def fgsm(
    model: nn.Module, x: Tensor, y: Tensor, eps: float, *, loss: AttackLoss | None = None
) -> Tensor:
    """clamp(x + eps sign(grad_x loss(model(x), y)), 0, 1), the model in eval mode."""
    from learnlab.objectives.adversarial import fgsm_step

    check_attack_inputs(model, x, y)
    eps = check_budget("eps", eps)
    device = _device(model)
    with preserved_model_state(model):
        adversarial = fgsm_step(_loss_of_input(model, y.to(device), loss), x.to(device), eps)
    return adversarial.to(x.device)


def pgd(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    eps: float,
    steps: int = 40,
    step_size: float = 0.01,
    norm: str = "inf",
    *,
    random_start: bool = True,
    seed: int = 0,
    loss: AttackLoss | None = None,
) -> Tensor:
    """`steps` steps of projected gradient ascent of size `step_size` from a point drawn
    uniformly in the eps ball (`random_start`, from a generator seeded by `seed`), in the
    L-inf (`norm="inf"`: steps along the gradient's sign) or L2 (`"2"`: along its unit
    direction) ball around `x`, within [0, 1]. Madry et al. (2018) use 40 steps of 0.01 at
    eps = 0.3 on MNIST (the defaults here)."""
    from learnlab.objectives.adversarial import NORMS, pgd_steps

    check_attack_inputs(model, x, y)
    eps = check_budget("eps", eps)
    step_size = check_budget("step_size", step_size)
    if norm not in NORMS:
        raise ConfigError(f"norm={norm!r}: choose 'inf' (L-infinity ball) or '2' (L2 ball).")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ConfigError(f"steps={steps!r}: a whole number of steps >= 1 is needed.")
    generator = torch.Generator().manual_seed(int(seed))
    device = _device(model)
    with preserved_model_state(model):
        adversarial = pgd_steps(
            _loss_of_input(model, y.to(device), loss),
            x.to(device),
            eps,
            steps=steps,
            step_size=step_size,
            norm=norm,
            start_randomly=random_start,
            generator=generator,
        )
    return adversarial.to(x.device)
