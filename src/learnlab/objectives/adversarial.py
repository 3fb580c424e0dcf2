"""Adversarial examples made on the fly, and adversarial training.

Goodfellow, Shlens & Szegedy (2015), "Explaining and harnessing adversarial examples" (ICLR):
the fast gradient sign method, x + eps sign(grad_x J), and training on the loss
alpha J(x) + (1 - alpha) J(x_adv) with such examples made from the current model at every
step. Madry, Makelov, Schmidt, Tsipras & Vladu (2018), "Towards deep learning models resistant
to adversarial attacks" (ICLR): projected gradient ascent in the eps ball from a random start.

The example-making functions take `loss_of_input`, the scalar loss as a function of the inputs
alone (the model and labels fixed inside it), so that one implementation serves the Trainer's
objectives here and the attacks of `learnlab.analysis.adversarial`, which add the argument
checks and leave the model as it came. They differentiate with `torch.autograd.grad` with
respect to the inputs only: no parameter's `.grad` is touched. `low` and `high` bound every
input (the image box, [0, 1] for pixels; other bounds for normalised inputs).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import torch
from torch import Tensor, nn

from learnlab.io.errors import ConfigError
from learnlab.objectives.base import Objective

InputLoss = Callable[[Tensor], Tensor]
Norm = Literal["inf", "2"]
NORMS = ("inf", "2")
ATTACKS = ("fgsm", "pgd")


def input_gradient(loss_of_input: InputLoss, x: Tensor) -> Tensor:
    """The gradient of `loss_of_input` at `x`, with respect to `x` only."""
    z = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        loss = loss_of_input(z)
        if loss.dim() != 0:
            raise ConfigError(
                f"loss: it must return a scalar (the batch's mean loss), got shape "
                f"{tuple(loss.shape)}."
            )
        if not loss.requires_grad:
            raise ConfigError("loss: its value does not depend on the inputs; no gradient.")
        (gradient,) = torch.autograd.grad(loss, z)
    return gradient


def fgsm_step(
    loss_of_input: InputLoss, x: Tensor, eps: float, *, low: float = 0.0, high: float = 1.0
) -> Tensor:
    """clamp(x + eps sign(grad_x loss), low, high): one step of the fast gradient sign method."""
    return (x.detach() + eps * input_gradient(loss_of_input, x).sign()).clamp(low, high)


def _per_example_norm(t: Tensor) -> Tensor:
    """The L2 norm of each example, shaped to broadcast against `t`."""
    norms = t.reshape(t.shape[0], -1).norm(dim=1)
    return norms.reshape(-1, *([1] * (t.dim() - 1)))


def project(change: Tensor, eps: float, norm: str) -> Tensor:
    """The nearest change of L-inf (`"inf"`) or L2 (`"2"`) norm at most `eps`, per example."""
    if norm == "inf":
        return change.clamp(-eps, eps)
    scale = (eps / _per_example_norm(change).clamp_min(1e-12)).clamp(max=1.0)
    return change * scale


def random_start(x: Tensor, eps: float, norm: str, generator: torch.Generator | None) -> Tensor:
    """A point drawn uniformly from the eps ball around each example (before the box)."""
    shape, cpu = x.shape, torch.device("cpu")
    if norm == "inf":
        noise = torch.rand(shape, generator=generator, device=cpu, dtype=x.dtype) * 2 - 1
        return x + eps * noise.to(x.device)
    direction = torch.randn(shape, generator=generator, device=cpu, dtype=x.dtype)
    direction = direction / _per_example_norm(direction).clamp_min(1e-12)
    dims = x[0].numel()
    radius = torch.rand(shape[0], generator=generator, device=cpu, dtype=x.dtype) ** (1 / dims)
    return x + eps * (direction * radius.reshape(-1, *([1] * (x.dim() - 1)))).to(x.device)


def pgd_steps(
    loss_of_input: InputLoss,
    x: Tensor,
    eps: float,
    *,
    steps: int,
    step_size: float,
    norm: str = "inf",
    start_randomly: bool = True,
    generator: torch.Generator | None = None,
    low: float = 0.0,
    high: float = 1.0,
) -> Tensor:
    """Projected gradient ascent: `steps` steps of size `step_size` along the gradient's sign
    (L-inf) or its unit direction (L2), each projected back into the eps ball around `x` and
    into [low, high]. Clamping to the box after the projection keeps the ball: each input moves
    towards its clean value."""
    x = x.detach()
    adversarial = random_start(x, eps, norm, generator) if start_randomly and eps > 0 else x
    adversarial = adversarial.clamp(low, high)
    for _ in range(steps):
        gradient = input_gradient(loss_of_input, adversarial)
        if norm == "inf":
            ascent = gradient.sign()
        else:
            ascent = gradient / _per_example_norm(gradient).clamp_min(1e-12)
        moved = adversarial + step_size * ascent
        adversarial = (x + project(moved - x, eps, norm)).clamp(low, high)
    return adversarial


def check_attack_settings(
    attack: str, eps: float, alpha: float, steps: int, step_size: float | None, norm: str
) -> None:
    """A ConfigError naming the setting that is out of range."""
    if attack not in ATTACKS:
        raise ConfigError(f"attack={attack!r}: choose one of {', '.join(ATTACKS)}.")
    if norm not in NORMS:
        raise ConfigError(f"norm={norm!r}: choose 'inf' or '2'.")
    for name, value in (("eps", eps), ("step_size", step_size)):
        if value is not None and not 0.0 <= float(value) < float("inf"):
            raise ConfigError(f"{name}={value}: it must be a finite number >= 0.")
    if not 0.0 <= alpha <= 1.0:
        raise ConfigError(f"alpha={alpha}: the weight of the clean loss must lie in [0, 1].")
    if steps < 1:
        raise ConfigError(f"steps={steps}: PGD needs at least 1 step.")


class AdversarialTraining(Objective):
    """alpha J(x) + (1 - alpha) J(x_adv) (Goodfellow et al. 2015 use alpha = 0.5), J being
    `objective`'s loss and x_adv made from the current model at every call: one FGSM step, or
    `steps` PGD steps of `step_size` (default 2.5 eps / steps, Madry et al.'s choice). The
    batch is `(inputs, labels, ...)`; `eps`, `low` and `high` are in the units of the inputs
    the model sees. The examples are made in the model's current mode (training: dropout on,
    as the loss they are trained on) and are not differentiated through. Reports the metric
    `adversarial_loss`, J(x_adv)."""

    def __init__(
        self,
        objective: Objective,
        *,
        attack: str = "fgsm",
        eps: float = 0.25,
        alpha: float = 0.5,
        steps: int = 10,
        step_size: float | None = None,
        norm: str = "inf",
        low: float = 0.0,
        high: float = 1.0,
    ) -> None:
        check_attack_settings(attack, eps, alpha, steps, step_size, norm)
        self.objective, self.attack, self.norm = objective, attack, norm
        self.eps, self.alpha, self.steps = float(eps), float(alpha), int(steps)
        self.step_size = 2.5 * self.eps / self.steps if step_size is None else float(step_size)
        self.low, self.high = float(low), float(high)
        self.metric_names = (*objective.metric_names, "adversarial_loss")

    def extra_modules(self) -> list[nn.Module]:
        return self.objective.extra_modules()

    def batch_examples(self, batch: Any) -> int:
        return self.objective.batch_examples(batch)

    def examples(self, model: nn.Module, batch: Any) -> Tensor:
        """The adversarial inputs of `batch` against `model` as it is now."""
        x, rest = batch[0], tuple(batch[1:])

        def loss_of_input(z: Tensor) -> Tensor:
            return self.objective(model, (z, *rest))[0]

        if self.attack == "fgsm":
            return fgsm_step(loss_of_input, x, self.eps, low=self.low, high=self.high)
        return pgd_steps(
            loss_of_input,
            x,
            self.eps,
            steps=self.steps,
            step_size=self.step_size,
            norm=self.norm,
            low=self.low,
            high=self.high,
        )

    def __call__(self, model: nn.Module, batch: Any) -> tuple[Tensor, dict[str, Any]]:
        adversarial = self.examples(model, batch).detach()
        clean_loss, metrics = self.objective(model, batch)
        adversarial_loss, _ = self.objective(model, (adversarial, *tuple(batch[1:])))
        loss = self.alpha * clean_loss + (1.0 - self.alpha) * adversarial_loss
        return loss, {**metrics, "adversarial_loss": adversarial_loss.detach()}


def with_adversarial_training(
    objective: Objective, settings: Mapping[str, Any], *, mean: float, std: float
) -> Objective:
    """`objective` itself when `settings` (TrainConfig.adversarial) is empty or its attack is
    "none"; else wrapped in AdversarialTraining. The settings are in pixel units on [0, 1];
    the model sees (pixel - mean) / std, so eps, the step size and the box are mapped there."""
    if not settings or settings.get("attack", "none") == "none":
        return objective
    step_size = settings.get("step_size")
    return AdversarialTraining(
        objective,
        attack=settings["attack"],
        eps=settings["eps"] / std,
        alpha=settings["alpha"],
        steps=settings["steps"],
        step_size=None if step_size is None else step_size / std,
        norm=settings["norm"],
        low=(0.0 - mean) / std,
        high=(1.0 - mean) / std,
    )
