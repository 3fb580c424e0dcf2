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

A callback method whose name looks like an event but is not one (`after_bacth`,
`on_epoch_end`) would never be called; building the Trainer raises a TypeError that names it.
"""

from __future__ import annotations

import difflib
import inspect
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
    NaN guard 10, gradient clipping 20, metric history 50, scalar logger (TensorBoard,
    MLflow) 55, early stopping 60, checkpointing 70, progress bar 90.
    """

    order: ClassVar[int] = 50

    def state_dict(self) -> dict:
        """Plain data needed to resume this callback exactly (saved in checkpoints)."""
        return {}

    def load_state_dict(self, state: dict) -> None:
        del state


# A public method starting so, or this close to an event's name, is meant as an event.
EVENT_PREFIXES = ("before_", "after_", "on_")
_SIMILARITY = 0.75


def misnamed_events(callback: Callback) -> list[str]:
    """The callback's public methods that look like events but are none (typos, other
    libraries' names such as Keras's on_epoch_end), defined by it or a class between it and
    Callback."""
    names = set()
    for cls in type(callback).__mro__:
        if cls in (Callback, object):
            continue
        for name, value in vars(cls).items():
            if name.startswith("_") or name in EVENTS or not inspect.isfunction(value):
                continue
            close = difflib.get_close_matches(name, EVENTS, n=1, cutoff=_SIMILARITY)
            if name.startswith(EVENT_PREFIXES) or close:
                names.add(name)
    return sorted(names)


def check_event_methods(callbacks: list[Callback]) -> None:
    """Raise TypeError for a callback method named like an event that is not one."""
    for callback in callbacks:
        for name in misnamed_events(callback):
            close = difflib.get_close_matches(name, EVENTS, n=1, cutoff=_SIMILARITY)
            hint = f" Did you mean {close[0]}?" if close else ""
            raise TypeError(
                f"callback {type(callback).__name__} defines {name}(), which is not a Trainer "
                f"event, so it would never be called.{hint} The events are: "
                f"{', '.join(EVENTS)}. (Rename a helper method so that it starts with '_'.)"
            )


def callbacks_for(event: str, callbacks: list[Callback]) -> list:
    """The bound methods for `event`, in callback order; only callbacks that define it.
    Raises TypeError for a method named like an event that is not one (the Trainer calls
    this when it is built)."""
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}; events are {', '.join(EVENTS)}")
    check_event_methods(callbacks)
    ordered = sorted(callbacks, key=lambda cb: cb.order)
    return [getattr(cb, event) for cb in ordered if callable(getattr(cb, event, None))]
