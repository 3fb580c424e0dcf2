"""The Trainer's event vocabulary, the callback base class, and the cancel exceptions.

In the manner of fastai's callbacks (Howard & Gugger 2020, "fastai: a layered API for deep
learning"), without its monkey-patching: the Trainer fires these events in this order

    before_fit
      before_epoch
        before_batch -> (forward, loss) -> after_loss -> (backward) -> after_backward
        -> (optimizer and schedule step) -> after_step -> after_batch   ... once per batch
      after_epoch                                      (validation has run by then)
    after_fit

and calls each callback that defines a method of that name, in increasing `order`. A
callback may raise `CancelBatch` (skip the rest of this batch), `CancelEpoch` (end the
epoch now) or `CancelFit` (stop training cleanly). after_fit always runs, also when an
error stops the fit; `trainer.error` then holds that error (None otherwise).
"""

from __future__ import annotations

from typing import ClassVar

EVENTS: tuple[str, ...] = (
    "before_fit",
    "before_epoch",
    "before_batch",
    "after_loss",
    "after_backward",
    "after_step",
    "after_batch",
    "after_epoch",
    "after_fit",
)


class CancelBatch(Exception):
    """Skip the rest of the current batch (no step if raised before it)."""


class CancelEpoch(Exception):
    """End the current epoch now; validation and after_epoch still run."""


class CancelFit(Exception):
    """Stop training cleanly; after_fit still runs."""


class Callback:
    """Base class: override any of the event methods; each receives the Trainer.

    `order` sorts callbacks (lower runs first). The documented orders of the built-in ones:
    NaN guard 10, gradient clipping 20, metric history 50, early stopping 60,
    checkpointing 70, progress bar 90.
    """

    order: ClassVar[int] = 50

    def state_dict(self) -> dict:
        """Plain data needed to resume this callback exactly (saved in checkpoints)."""
        return {}

    def load_state_dict(self, state: dict) -> None:
        del state


def callbacks_for(event: str, callbacks: list[Callback]) -> list:
    """The bound methods for `event`, in callback order; only callbacks that define it."""
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}; events are {', '.join(EVENTS)}")
    ordered = sorted(callbacks, key=lambda cb: cb.order)
    return [getattr(cb, event) for cb in ordered if callable(getattr(cb, event, None))]
