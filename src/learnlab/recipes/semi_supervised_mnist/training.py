"""One seed's part of the semi-supervised recipe: each method trains LeNet-5 from the same
initial weights, for the same Adam steps, on the same labelled draw; validation error every
`eval_every` steps, test error at the end. Training goes through `procedures.base.train_stage`
(the Trainer)."""

from __future__ import annotations

import math
import time
from typing import Any

import torch

from learnlab.recipes.semi_supervised_mnist.config import METHODS, SemiSupervisedConfig
from learnlab.result import Result

NAME = "semi-supervised-mnist"


def make_objective(config: SemiSupervisedConfig, method: str, seed: int):
    from learnlab.objectives.semi_supervised import LabelledOnly, PseudoLabel, VirtualAdversarial

    if method == "labelled-only":
        return LabelledOnly()
    if method == "pseudo-label":
        return PseudoLabel(
            threshold=config.threshold,
            weight=config.pseudo_weight,
            ramp_start=config.ramp_start,
            ramp_end=config.ramp_end,
        )
    return VirtualAdversarial(
        eps=config.vat_eps,
        xi=config.vat_xi,
        iterations=config.vat_iterations,
        weight=config.vat_weight,
        entropy_weight=config.entropy_weight,
        generator=torch.Generator().manual_seed(seed + 2),
    )


def train_seed(config: SemiSupervisedConfig, seed: int) -> Result:
    """Every method on this seed's labelled draw: val curves, val and test errors, seconds."""
    from learnlab.data.loader import TensorLoader
    from learnlab.data.semi_supervised import LabelledUnlabelledLoader
    from learnlab.procedures.base import Stage, train_stage
    from learnlab.recipes.semi_supervised_mnist.data import error_rate, load_split

    split = load_split(config, seed)
    epochs = math.ceil(config.steps / config.eval_every)  # steps rounded up to whole epochs
    summary: dict[str, Any] = {"seed": seed, "steps": epochs * config.eval_every}
    curves: dict[str, list[float]] = {}
    for method in METHODS:
        start = time.process_time()
        torch.manual_seed(seed)  # the same initial weights for every method
        model = config.build_model()
        loader = LabelledUnlabelledLoader(
            TensorLoader(
                split.labelled_x, split.labelled_y, batch_size=config.labelled_batch, seed=seed
            ),
            TensorLoader(split.unlabelled_x, batch_size=config.unlabelled_batch, seed=seed + 1),
            batches=config.eval_every,
        )
        val = TensorLoader(split.val_x, split.val_y, batch_size=1000, shuffle=False)
        phase = train_stage(
            model,
            make_objective(config, method, seed),
            loader,
            Stage(epochs=epochs, optimizer="adam", lr=config.lr),
            name=method,
            val_loader=val,
        )
        key = method.replace("-", "_")
        curves[key] = [1.0 - float(r["val_accuracy"]) for r in phase.history]
        summary[f"{key}_val_error"] = error_rate(model, split.val_x, split.val_y)
        summary[f"{key}_test_error"] = error_rate(model, split.test_x, split.test_y)
        summary[f"{key}_cpu_seconds"] = time.process_time() - start
    return Result(
        kind=f"{NAME}-seed",
        title=f"{NAME}: seed {seed}",
        summary=summary,
        history=[
            {"step": (i + 1) * config.eval_every}
            | {f"{k}_val_error": v[i] for k, v in curves.items()}
            for i in range(epochs)
        ],
        report=False,
    )
