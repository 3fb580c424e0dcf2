"""A linear warm-up of the learning rate in front of any schedule of `learnlab.train.schedules`.

Paper: Goyal et al. (2017) "Accurate, large minibatch SGD: training ImageNet in 1 hour"
(gradual warm-up: raise the lr linearly over the first steps, from a small value to the
target, because early in training, while the network changes fast, a large lr is unstable).

With `w` warm-up steps and a schedule whose first lr is eps_start (the optimizer's lr, or
lr/div_factor for one-cycle), the lr of optimizer step k (k = 0, 1, ...) is

    eps_k = eps_start (k + 1) / w          for k < w   (step w-1 reaches eps_start; no step at 0)
    eps_k = schedule's lr of its step k-w  for k >= w  (the schedule runs over total_steps - w)

The schedule keeps its shape and is only shifted: a cosine still ends at its floor on the run's
last step. Warm-up ends at the schedule's first lr, so there is no jump for any schedule.
"""

from __future__ import annotations

from typing import Any

from torch.optim import Optimizer, lr_scheduler


class LinearWarmup(lr_scheduler.LRScheduler):
    """`warmup_steps` steps of linear warm-up, then `after` (built for the remaining steps).

    Build `after` first (it sets the optimizer's lrs to its first values), then this.
    `state_dict()` is plain data: this scheduler's counters and `after`'s own state.
    """

    def __init__(
        self, optimizer: Optimizer, after: lr_scheduler.LRScheduler, warmup_steps: int
    ) -> None:
        if warmup_steps < 1:
            raise ValueError(f"LinearWarmup needs warmup_steps >= 1, got {warmup_steps}")
        self.after = after
        self.warmup_steps = warmup_steps
        # where the schedule starts, i.e. where the warm-up must arrive
        self.start_lrs = [float(group["lr"]) for group in optimizer.param_groups]
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:  # type: ignore[override]
        """The warm-up lrs of step `last_epoch` (< warmup_steps)."""
        fraction = (self.last_epoch + 1) / self.warmup_steps
        return [lr * fraction for lr in self.start_lrs]

    def step(self, epoch: None = None) -> None:  # type: ignore[override]
        """Advance one optimizer step: warm up, hand over at step w, then step the schedule."""
        if epoch is not None:
            raise ValueError("LinearWarmup counts steps itself; call step() without an epoch")
        self._step_count = getattr(self, "_step_count", 0) + 1
        self.last_epoch += 1
        k = self.last_epoch
        groups = self.optimizer.param_groups
        if k < self.warmup_steps:
            for group, lr in zip(groups, self.get_lr(), strict=True):
                group["lr"] = lr
        elif k == self.warmup_steps:
            # the schedule's own step 0: its chainable formulas read group["lr"] from here on
            for group, lr in zip(groups, self.start_lrs, strict=True):
                group["lr"] = lr
        else:
            self.after.step()
        self._last_lr = [group["lr"] for group in groups]

    def state_dict(self) -> dict[str, Any]:
        return {
            "warmup_steps": self.warmup_steps,
            "start_lrs": list(self.start_lrs),
            "last_epoch": self.last_epoch,
            "_step_count": self._step_count,
            "_last_lr": list(self._last_lr),
            "base_lrs": list(self.base_lrs),
            "after": self.after.state_dict(),
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        self.after.load_state_dict(state.pop("after"))
        self.__dict__.update(state)
