"""The Trainer: minibatch stochastic gradient descent with declared events and callbacks.

A batch is whatever the loader yields (a tuple of tensors, a dict, a graph batch, an episode, a
pair of labelled and unlabelled batches): the objective computes its loss and metrics and says
how many examples it holds (`learnlab.objectives.base`), which weighs it in the epoch's means.

For each batch: forward through the objective, backward, optimizer step, schedule step
(schedules count optimizer steps). Metrics are kept as tensors and reduced once per epoch, so
the loop has no per-batch host synchronisation of its own. Validation runs at the end of
every epoch. Everything needed to continue a run bit for bit (weights, optimizer, schedule,
loader position, RNG states, partial-epoch metric sums, callbacks) is in `state_dict()`.

Example:
    >>> import torch
    >>> from learnlab.data.loader import TensorLoader
    >>> from learnlab.objectives.supervised import CrossEntropy
    >>> model = torch.nn.Linear(4, 3)
    >>> x, y = torch.randn(64, 4), torch.randint(0, 3, (64,))
    >>> trainer = Trainer(model, CrossEntropy(), torch.optim.SGD(model.parameters(), lr=0.1))
    >>> history = trainer.fit(TensorLoader(x, y, batch_size=16, seed=0), epochs=2)
    >>> [sorted(h) for h in history][0]
    ['epoch', 'lr', 'seconds', 'train_accuracy', 'train_loss']
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import nn

from learnlab.objectives.base import Objective, as_objective
from learnlab.train.epoch_metrics import (
    epoch_mean,
    example_sum,
    pack_batch_values,
    unpack_batch_values,
)
from learnlab.train.events import (
    EVENTS,
    Callback,
    CancelBatch,
    CancelEpoch,
    CancelFit,
    callbacks_for,
)
from learnlab.train.optimizers import needs_closure
from learnlab.train.seeding import rng_state, set_rng_state


class Trainer:
    """Trains `model` on `objective` with `optimizer` (and an optional per-step `schedule`).

    Attributes that callbacks read: model, optimizer, schedule, epoch (0-based, the epoch
    running or, after it, the number completed), batch_in_epoch (batches done this epoch),
    step (optimizer steps so far), batch, loss, metrics, history, epochs, train_loader,
    error (the exception that stopped the fit, if any).
    """

    def __init__(
        self,
        model: nn.Module,
        objective: Objective | Callable[..., Any],
        optimizer: torch.optim.Optimizer,
        *,
        schedule: torch.optim.lr_scheduler.LRScheduler | None = None,
        callbacks: Iterable[Callback] = (),
    ) -> None:
        self.model = model
        self.objective = as_objective(objective)
        self.optimizer = optimizer
        self.schedule = schedule
        self.callbacks = list(callbacks)
        self.epoch = 0
        self.batch_in_epoch = 0
        self.step = 0
        self.history: list[dict[str, float]] = []
        self.train_seconds = 0.0
        self.epochs = 0
        self.train_loader = None
        self.val_loader = None
        self.batch: Any = None
        self.loss: torch.Tensor | None = None
        self.metrics: dict[str, torch.Tensor] = {}
        self.error: BaseException | None = None
        # this epoch's per-batch loss and metrics, kept as tensors and reduced once per epoch
        self._batch_values: dict[str, list[torch.Tensor]] = {}
        self._batch_sizes: list[int] = []
        self._rng_to_restore: dict | None = None
        self._handlers = {event: callbacks_for(event, self.callbacks) for event in EVENTS}
        self._needs_closure = needs_closure(optimizer)
        self._plain_zero_grad = type(optimizer).zero_grad is torch.optim.Optimizer.zero_grad
        # data parallel: (per-rank sums, count) -> sums and count over all ranks (None: one
        # process), so that epoch metrics and evaluations cover every rank's examples
        self.sum_across_ranks: Callable[[dict, int], tuple[dict, int]] | None = None

    # -- events -------------------------------------------------------------------------
    def fire(self, event: str) -> None:
        for handler in self._handlers[event]:
            handler(self)

    def callback(self, kind: type) -> Callback | None:
        """The first callback of class `kind`, if any."""
        return next((cb for cb in self.callbacks if isinstance(cb, kind)), None)

    # -- the loop -----------------------------------------------------------------------
    def fit(self, train_loader, epochs: int, val_loader=None) -> list[dict[str, float]]:
        """Train until `epochs` epochs are complete (continuing a loaded state); return history."""
        self.train_loader, self.val_loader, self.epochs = train_loader, val_loader, epochs
        self.error = None
        if self._rng_to_restore is not None:
            set_rng_state(self._rng_to_restore)
            self._rng_to_restore = None
        try:
            self.fire("before_fit")
            while self.epoch < epochs:
                self._run_epoch()
        except CancelFit:
            pass
        except BaseException as exc:
            self.error = exc
            raise
        finally:
            self.fire("after_fit")
        return self.history

    def _run_epoch(self) -> None:
        self.fire("before_epoch")
        self.model.train()
        started = time.perf_counter()
        try:
            for batch in self.train_loader:
                self.batch = batch
                try:
                    self.fire("before_batch")
                    self._train_step(batch)
                except CancelBatch:
                    pass
                # counted before after_batch, so that a checkpoint taken there says "done"
                self.batch_in_epoch += 1
                self.fire("after_batch")
        except CancelEpoch:
            pass
        self.train_seconds += time.perf_counter() - started
        record: dict[str, float] = {"epoch": self.epoch + 1}
        record.update({f"train_{k}": v for k, v in self._read_sums().items()})
        if self.val_loader is not None:
            record.update({f"val_{k}": v for k, v in self.evaluate(self.val_loader).items()})
        record["lr"] = float(self.optimizer.param_groups[0]["lr"])
        record["seconds"] = self.train_seconds
        self.history.append(record)
        self.epoch += 1
        self.batch_in_epoch = 0
        self._batch_values, self._batch_sizes = {}, []
        self.fire("after_epoch")

    def _train_step(self, batch: Any) -> None:
        if self._needs_closure:
            self._closure_step(batch)
        else:
            loss, metrics = self.objective(self.model, batch)
            self.loss, self.metrics = loss, metrics
            self.fire("after_loss")
            self._zero_grad()
            loss.backward()
            self.fire("after_backward")
            self.optimizer.step()
        if self.schedule is not None:
            self.schedule.step()
        self.step += 1
        self.fire("after_step")
        self._accumulate(self.objective.batch_examples(batch), self.loss, self.metrics)

    def _zero_grad(self) -> None:
        """`optimizer.zero_grad(set_to_none=True)`, directly when it is torch's own method: the
        same effect (every gradient becomes None) without its profiler label and per-call
        set-up, which cost about 35 us per step on the 2-core CPU, 5% of an MNIST-1D MLP step."""
        if not self._plain_zero_grad:
            self.optimizer.zero_grad(set_to_none=True)
            return
        for group in self.optimizer.param_groups:
            for p in group["params"]:
                p.grad = None

    def _closure_step(self, batch: Any) -> None:
        """L-BFGS evaluates the objective several times per step; the first evaluation is
        the one reported (it is the loss at the current parameters). Second-order optimizers
        (learnlab.optim) call `closure(create_graph=True)` for gradients they differentiate
        again."""
        first = True

        def closure(create_graph: bool = False) -> torch.Tensor:
            nonlocal first
            self.optimizer.zero_grad(set_to_none=True)
            loss, metrics = self.objective(self.model, batch)
            if first:
                self.loss, self.metrics, first = loss, metrics, False
                self.fire("after_loss")
            loss.backward(create_graph=create_graph)
            self.fire("after_backward")
            return loss

        self.optimizer.step(closure)

    def _accumulate(self, n: int, loss: torch.Tensor, metrics: dict[str, torch.Tensor]) -> None:
        values = self._batch_values
        values.setdefault("loss", []).append(loss.detach())
        for name, value in metrics.items():
            # metrics carry no graph (argmax, comparisons, no_grad): detach only if needed
            if isinstance(value, torch.Tensor) and value.requires_grad:
                value = value.detach()
            values.setdefault(name, []).append(value)
        self._batch_sizes.append(n)

    def _read_sums(self) -> dict[str, float]:
        """Epoch means over the examples, in float64: one host read per metric."""
        if not self._batch_sizes:
            return {}
        means = {}
        for name, values in self._batch_values.items():
            if len(values) != len(self._batch_sizes):
                raise ValueError(f"the objective reported {name!r} for only some batches")
            means[name] = epoch_mean(name, values, self._batch_sizes)
        if self.sum_across_ranks is not None:
            n = sum(self._batch_sizes)
            sums, total = self.sum_across_ranks({k: v * n for k, v in means.items()}, n)
            means = {k: v / total for k, v in sums.items()}
        return means

    @torch.no_grad()
    def evaluate(self, loader) -> dict[str, float]:
        """Mean loss and metrics of the objective over `loader`, in eval mode."""
        was_training = self.model.training
        self.model.eval()
        sums: dict[str, torch.Tensor] = {}
        count = 0
        try:
            for batch in loader:
                loss, metrics = self.objective(self.model, batch)
                n = self.objective.batch_examples(batch)
                for name, value in (("loss", loss), *metrics.items()):
                    sums[name] = sums.get(name, 0.0) + example_sum(value, n)
                count += n
        finally:
            self.model.train(was_training)
        if self.sum_across_ranks is not None:
            sums, count = self.sum_across_ranks(sums, count)
        return {k: float(v) / count for k, v in sums.items()} if count else {}

    # -- state ----------------------------------------------------------------------------
    def _objective_modules(self) -> list[nn.Module]:
        """Trainable modules the objective owns (a plain function objective owns none)."""
        return list(self.objective.extra_modules())

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue this fit exactly where it is."""
        return {
            "model": self.model.state_dict(),
            "objective_modules": [m.state_dict() for m in self._objective_modules()],
            "optimizer": self.optimizer.state_dict(),
            "schedule": self.schedule.state_dict() if self.schedule is not None else None,
            "loader": self.train_loader.state_dict() if self.train_loader is not None else None,
            "rng": rng_state(),
            "epoch": self.epoch,
            "batch_in_epoch": self.batch_in_epoch,
            "step": self.step,
            "history": self.history,
            "train_seconds": self.train_seconds,
            "batch_values": {k: pack_batch_values(v) for k, v in self._batch_values.items() if v},
            "batch_sizes": list(self._batch_sizes),
            "callbacks": {type(cb).__name__: cb.state_dict() for cb in self.callbacks},
        }

    def load_state_dict(self, state: dict[str, Any], train_loader=None) -> None:
        """Restore a `state_dict()`; the loader's position is restored into `train_loader`."""
        self.model.load_state_dict(state["model"])
        modules = self._objective_modules()
        for module, module_state in zip(modules, state["objective_modules"], strict=True):
            module.load_state_dict(module_state)
        self.optimizer.load_state_dict(state["optimizer"])
        if self.schedule is not None and state["schedule"] is not None:
            self.schedule.load_state_dict(state["schedule"])
        if train_loader is not None and state["loader"] is not None:
            train_loader.load_state_dict(state["loader"])
        self.epoch = state["epoch"]
        self.batch_in_epoch = state["batch_in_epoch"]
        self.step = state["step"]
        self.history = [dict(h) for h in state["history"]]
        self.train_seconds = state["train_seconds"]
        self._batch_sizes = list(state["batch_sizes"])
        self._batch_values = {
            k: unpack_batch_values(v, self._batch_sizes) for k, v in state["batch_values"].items()
        }
        for cb in self.callbacks:
            cb.load_state_dict(state["callbacks"].get(type(cb).__name__, {}))
        # applied when fit starts, after anything else (building loaders) consumed randomness
        self._rng_to_restore = state["rng"]
