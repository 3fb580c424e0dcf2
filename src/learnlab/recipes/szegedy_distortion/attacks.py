"""Attacking each trained network with the box-constrained L-BFGS attack, and feeding each
network's adversarial examples (and Gaussian noise of fixed size) to every other network."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn


@dataclass
class Attack:
    """One network's adversarial examples of the attacked images and how they went."""

    adversarial: Tensor  # like the attacked images
    success: Tensor  # bool per image: re-predicted as its target
    distortion: Tensor  # per image, sqrt(sum r_i^2 / n) (Szegedy et al.'s measure)
    seconds: float


def wrong_targets(labels: Tensor, seed: int, classes: int = 10) -> Tensor:
    """A uniformly drawn class other than the label, per image (seeded)."""
    generator = torch.Generator().manual_seed(seed)
    shift = torch.randint(1, classes, labels.shape, generator=generator)
    return (labels + shift) % classes


def attack_network(
    model: nn.Module,
    x: Tensor,
    target: Tensor,
    *,
    search_steps: int,
    max_iterations: int,
    batch_size: int,
) -> Attack:
    import time

    from learnlab.analysis.adversarial.lbfgs import lbfgs_attack
    from learnlab.analysis.adversarial.success import attack_success, distortion

    start = time.perf_counter()
    adversarial = lbfgs_attack(
        model,
        x,
        target,
        search_steps=search_steps,
        max_iterations=max_iterations,
        batch_size=batch_size,
    )
    seconds = time.perf_counter() - start
    success = attack_success(model, adversarial, target, target=target)
    return Attack(adversarial, success, distortion(x, adversarial, "rms"), seconds)


def transfer_rows(
    models: dict[str, nn.Module],
    attacks: dict[str, Attack],
    x: Tensor,
    y: Tensor,
    noise_std: list[float],
    seed: int,
) -> list[dict[str, str]]:
    """Rows: the examples made for one network (its successful ones), then Gaussian noise of
    each standard deviation (clipped to [0, 1]); columns: the error of each network on them,
    with the rms distortion of the row's inputs last."""
    from learnlab.analysis.adversarial.success import distortion, predictions

    def row(name: str, inputs: Tensor, labels: Tensor, size: float) -> dict[str, str]:
        cells = {"examples": name}
        for other, model in models.items():
            wrong = predictions(model, inputs) != labels if len(labels) else torch.zeros(0)
            cells[other] = f"{100 * float(wrong.double().mean()):.1f}%" if len(labels) else "-"
        cells["rms distortion"] = f"{size:.3f}"
        return cells

    rows = []
    for name, attack in attacks.items():
        kept = attack.success
        rows.append(
            row(
                f"adversarial for {name}",
                attack.adversarial[kept],
                y[kept],
                float(attack.distortion[kept].mean()) if kept.any() else float("nan"),
            )
        )
    generator = torch.Generator().manual_seed(seed)
    for std in noise_std:
        noisy = (x + std * torch.randn(x.shape, generator=generator)).clamp(0, 1)
        rows.append(
            row(
                f"Gaussian noise, stddev {std:g}",
                noisy,
                y,
                float(distortion(x, noisy, "rms").mean()),
            )
        )
    return rows
