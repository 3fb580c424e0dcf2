"""A batched ensemble trained for a number of iterations with early stopping on validation loss.

Frankle & Carbin (ICLR 2019) measure how fast a network learns by "the iteration at which an
early-stopping criterion would end training": the iteration of minimum validation loss, and
report the test accuracy at that iteration. `ValidatedEnsemble` is `BatchedEnsemble` (the
same members, batch order, optimizer and masks: `learnlab.scale.ensemble`) with two additions:

- members may start from given weights (`initial_states`: one state dict per member, e.g. a
  lottery ticket's theta_0 or theta_k) instead of their seed's initialisation (the seed then
  sets the batch order only);
- `fit_validated` trains for `iterations` steps, measures every member's validation loss every
  `eval_every` steps (and at the last), and keeps each member's weights at its minimum
  (`best_params_`), from which `evaluate_best` gives the test accuracy at early stopping.

The training steps are BatchedEnsemble.fit's, so the weights after whole epochs equal its
(the tests check torch.equal); BatchedEnsemble.fit itself measures nothing during training,
which is why this loop exists (an engine hook for per-member validation would replace it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from learnlab.io.errors import ConfigError
from learnlab.scale.ensemble import BatchedEnsemble
from learnlab.train.seeding import select_device


@dataclass(frozen=True)
class ValidationCurve:
    """`iterations` (E,): when the validation loss was measured; `loss`, `accuracy` (E, K);
    `best_iteration` (K,): each member's iteration of minimum validation loss (the earliest
    on ties)."""

    iterations: np.ndarray
    loss: np.ndarray
    accuracy: np.ndarray
    best_iteration: np.ndarray


def _positive(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} must be an integer >= 1, got {value!r}.")
    return value


class ValidatedEnsemble(BatchedEnsemble):
    """`BatchedEnsemble(build, seeds, ..., initial_states=None)`; see the module docstring."""

    def __init__(self, build, seeds, *, initial_states: Sequence[dict] | None = None, **kw):
        super().__init__(build, seeds, **kw)
        self.initial_states = initial_states

    def _initialize(self, device: torch.device) -> None:
        super()._initialize(device)
        if self.initial_states is None:
            return
        if len(self.initial_states) != self.K:
            raise ConfigError(
                f"initial_states must hold one state dict per member (K={self.K}), got "
                f"{len(self.initial_states)}."
            )
        with torch.no_grad():
            for name, stacked in self.params_.items():
                stacked.copy_(torch.stack([s[name] for s in self.initial_states]).to(stacked))
        self._apply_masks()

    def fit_validated(
        self,
        x: Tensor,
        y: Tensor,
        x_val: Tensor,
        y_val: Tensor,
        *,
        iterations: int,
        batch_size: int,
        eval_every: int,
        snapshot_at: int = 0,
    ) -> ValidationCurve:
        """Train every member for `iterations` steps (batch order and updates as
        BatchedEnsemble.fit), validating every `eval_every` steps; `best_params_` holds each
        member's weights at its minimum validation loss, `snapshot_` (if `snapshot_at` > 0)
        its weights after `snapshot_at` steps (late rewinding's theta_k)."""
        hyper = self._check_arguments()
        x, y = self._check_data(x, y)
        x_val, y_val = self._check_data(x_val, y_val)
        iterations = _positive("iterations", iterations)
        batch_size = _positive("batch_size", batch_size)
        eval_every = _positive("eval_every", eval_every)
        if isinstance(snapshot_at, bool) or not isinstance(snapshot_at, int) or snapshot_at < 0:
            raise ConfigError(f"snapshot_at must be an integer >= 0, got {snapshot_at!r}.")
        if snapshot_at > iterations:
            raise ConfigError(
                f"snapshot_at={snapshot_at} is after the last of the {iterations} iterations."
            )
        device = select_device("auto") if self.device is None else torch.device(self.device)
        x, y = x.to(device), y.to(device)
        trainable, optimizer, generators = self._start_training(hyper, device)
        n = len(x)
        num_batches = math.ceil(n / batch_size)
        self.best_params_ = {name: p.detach().clone() for name, p in self.params_.items()}
        self.snapshot_ = None
        best_loss = torch.full((self.K,), math.inf, dtype=torch.float64)
        best_iteration = np.zeros(self.K, dtype=np.int64)
        measured: list[tuple[int, Tensor, Tensor]] = []
        step = 0
        while step < iterations:
            perm = torch.stack([torch.randperm(n, generator=g) for g in generators]).to(device)
            for i in range(num_batches):
                index = perm[:, i * batch_size : (i + 1) * batch_size]
                self._train_step(x, y, index, trainable, optimizer)
                step += 1
                if step == snapshot_at:
                    self.snapshot_ = {k: p.detach().clone() for k, p in self.params_.items()}
                if step % eval_every == 0 or step == iterations:
                    val = self.evaluate(x_val, y_val)
                    measured.append((step, val["loss"], val["accuracy"]))
                    improved = val["loss"].double() < best_loss
                    best_loss = torch.where(improved, val["loss"].double(), best_loss)
                    best_iteration[improved.numpy()] = step
                    self._keep_best(improved.to(device))
                if step == iterations:
                    break
        return ValidationCurve(
            iterations=np.array([m[0] for m in measured]),
            loss=torch.stack([m[1] for m in measured]).double().numpy(),
            accuracy=torch.stack([m[2] for m in measured]).double().numpy(),
            best_iteration=best_iteration,
        )

    @torch.no_grad()
    def _keep_best(self, improved: Tensor) -> None:
        for name, p in self.params_.items():
            where = improved.view(-1, *([1] * (p.dim() - 1)))
            self.best_params_[name] = torch.where(where, p, self.best_params_[name])

    @torch.no_grad()
    def evaluate_best(self, x: Tensor, y: Tensor) -> dict[str, Tensor]:
        """`evaluate` with every member at its minimum validation loss (`best_params_`)."""
        if not hasattr(self, "best_params_"):
            raise ConfigError("call fit_validated before evaluate_best.")
        last = self.params_
        self.params_ = self.best_params_
        try:
            return self.evaluate(x, y)
        finally:
            self.params_ = last
