"""The checks of BatchedEnsemble's constructor arguments (what was wrong, what is allowed)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

from torch import Tensor

from learnlab.io.errors import ConfigError, unknown_name
from learnlab.scale.batched_optim import OPTIMIZERS, as_list, hyperparameter
from learnlab.scale.fast_mlp import MODES


def check_arguments(ensemble) -> dict[str, Tensor]:
    """Validate a BatchedEnsemble's arguments; the per-member hyperparameters as (K,) tensors."""
    if ensemble.mode not in MODES:
        raise unknown_name(
            "mode",
            str(ensemble.mode),
            MODES,
            " 'exact': members bit-identical to sequential runs; 'fast': equal up to rounding.",
        )
    if not callable(ensemble.build):
        raise ConfigError("build must be a function with no arguments returning an nn.Module.")
    seeds = as_list(ensemble.seeds)
    if (
        not isinstance(seeds, list)
        or len(seeds) == 0
        or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) for s in seeds)
    ):
        raise ConfigError(
            f"seeds must be a non-empty sequence of integers, one per member (e.g. "
            f"seeds=range(8)); got {ensemble.seeds!r}."
        )
    if ensemble.optimizer not in OPTIMIZERS:
        raise unknown_name(
            "optimizer",
            ensemble.optimizer,
            OPTIMIZERS,
            " BatchedEnsemble implements these; train with others one model at a time.",
        )
    k = len(seeds)
    hyper = {
        "lr": hyperparameter("lr", ensemble.lr, k, 0.0),
        "momentum": hyperparameter("momentum", ensemble.momentum, k, 0.0, 1.0),
        "weight_decay": hyperparameter("weight_decay", ensemble.weight_decay, k, 0.0),
    }
    if ensemble.optimizer != "momentum" and bool((hyper["momentum"] != 0).any()):
        use = "optimizer='momentum'" if ensemble.optimizer == "sgd" else "betas[0]"
        raise ConfigError(
            f"optimizer {ensemble.optimizer!r} takes no momentum (got {ensemble.momentum!r}); "
            f"leave momentum=0 or use {use}."
        )
    betas = ensemble.betas
    if (
        not isinstance(betas, Sequence)
        or len(betas) != 2
        or not all(isinstance(b, numbers.Real) and 0 <= b < 1 for b in betas)
    ):
        raise ConfigError(f"betas must be two numbers in [0, 1), got {betas!r}.")
    if not isinstance(ensemble.eps, numbers.Real) or not 0 <= ensemble.eps < math.inf:
        raise ConfigError(f"eps must be a finite number >= 0, got {ensemble.eps!r}.")
    if ensemble.masks is not None and (
        not isinstance(ensemble.masks, Sequence) or len(ensemble.masks) != k
    ):
        raise ConfigError(
            f"masks must be None or a sequence of K={k} dicts (parameter name -> 0/1 "
            f"tensor), one per member; got {type(ensemble.masks).__name__}"
            + (
                f" of length {len(ensemble.masks)}."
                if isinstance(ensemble.masks, Sequence)
                else "."
            )
        )
    return hyper
