"""Context windows of a token stream, for language models.

A language-model data set is one long stream of token ids (Tiny Shakespeare: 1.1 M character
ids). A training example is a window of `context` consecutive tokens and, as targets, the same
window shifted by one: x = s[i : i + T], y = s[i + 1 : i + T + 1]. The model predicts every
target at once (a causal model sees only x[: t + 1] when it predicts y[t]), so one window
gives T next-token examples.

`RandomWindows` draws `batches_per_epoch` batches of windows with uniformly random starts
i in [0, len(s) - T - 1], from its own seeded generator, the way nanoGPT's `get_batch` does
(an "epoch" is then a fixed number of steps, not a pass over the text). `covering_windows`
cuts the stream into consecutive non-overlapping windows that cover it (all but the last
< T + 1 tokens), for a deterministic evaluation over the whole held-out text.

Example:
    >>> stream = torch.arange(100)
    >>> x, y = next(iter(RandomWindows(stream, context=8, batch_size=4, batches_per_epoch=2,
    ...                                seed=0)))
    >>> x.shape, bool((y == x + 1).all())
    (torch.Size([4, 8]), True)
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import Tensor

from learnlab.io.errors import ConfigError


def _check_stream(stream: Tensor, context: int) -> None:
    if not isinstance(stream, Tensor) or stream.dim() != 1 or stream.dtype != torch.int64:
        raise ConfigError(
            "a token stream must be a 1-d int64 tensor of token ids; got "
            f"{getattr(stream, 'dtype', type(stream).__name__)} of shape "
            f"{tuple(getattr(stream, 'shape', ()))}."
        )
    if isinstance(context, bool) or not isinstance(context, int) or context < 1:
        raise ConfigError(f"context must be an integer >= 1, got {context!r}.")
    if len(stream) < context + 1:
        raise ConfigError(
            f"a stream of {len(stream)} tokens is too short for windows of context {context} "
            f"(each needs context + 1 = {context + 1} tokens); use a shorter context."
        )


def windows_at(stream: Tensor, starts: Tensor, context: int) -> tuple[Tensor, Tensor]:
    """The windows (x, y) starting at `starts`: x[b] = stream[starts[b] : starts[b] + context],
    y[b] = the same shifted by one token. One gather for each, no Python loop."""
    offsets = torch.arange(context, device=stream.device)
    index = starts.to(stream.device)[:, None] + offsets  # (B, T)
    return stream[index], stream[index + 1]


def covering_windows(stream: Tensor, context: int) -> tuple[Tensor, Tensor]:
    """All consecutive non-overlapping windows of `stream`: (N, T) inputs and targets with
    N = (len(stream) - 1) // context; they cover every token but the last few."""
    _check_stream(stream, context)
    count = (len(stream) - 1) // context
    return windows_at(stream, torch.arange(count) * context, context)


class RandomWindows:
    """`batches_per_epoch` batches (x, y) of `batch_size` random windows of `stream` per epoch.

    The starts of an epoch's windows are drawn at once, at the start of the epoch, from the
    loader's generator (seeded with `seed`), so the same seed gives the same batches. Resume:
    `state_dict()` holds the generator state at the start of the epoch and the number of
    batches done; after `load_state_dict`, the next `iter()` redraws the same starts and goes
    on from there.
    """

    def __init__(
        self,
        stream: Tensor,
        *,
        context: int,
        batch_size: int,
        batches_per_epoch: int,
        seed: int,
        device: str | torch.device | None = None,
    ) -> None:
        _check_stream(stream, context)
        for name, value in (("batch_size", batch_size), ("batches_per_epoch", batches_per_epoch)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be an integer >= 1, got {value!r}.")
        self.stream = stream.to(device) if device is not None else stream
        self.context = context
        self.batch_size = batch_size
        self.batches_per_epoch = batches_per_epoch
        self.generator = torch.Generator().manual_seed(seed)
        self._epoch_state: Tensor | None = None
        self._position = 0
        self._pending: dict | None = None

    def __len__(self) -> int:
        return self.batches_per_epoch

    @property
    def num_starts(self) -> int:
        """How many windows the stream holds: starts 0 .. len(stream) - context - 1."""
        return len(self.stream) - self.context

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        resume, self._pending = self._pending, None
        if resume is not None:
            self.generator.set_state(resume["epoch_state"])
        self._epoch_state = self.generator.get_state()
        starts = torch.randint(
            self.num_starts,
            (self.batches_per_epoch, self.batch_size),
            generator=self.generator,
        )
        self._position = resume["position"] if resume is not None else 0
        return self._batches(starts)

    def _batches(self, starts: Tensor) -> Iterator[tuple[Tensor, Tensor]]:
        for i in range(self._position, self.batches_per_epoch):
            self._position = i + 1
            yield windows_at(self.stream, starts[i], self.context)
        self._epoch_state, self._position = None, 0

    def state_dict(self) -> dict:
        """The generator state at the start of the epoch in progress and the batches done."""
        if self._pending is not None:
            return {k: self._pending[k] for k in ("epoch_state", "position")}
        if self._epoch_state is None:
            return {"epoch_state": self.generator.get_state(), "position": 0}
        return {"epoch_state": self._epoch_state.clone(), "position": self._position}

    def load_state_dict(self, state: dict) -> None:
        position = int(state["position"])
        if not 0 <= position <= self.batches_per_epoch:
            raise ConfigError(
                f"loader state position must be in [0, {self.batches_per_epoch}], got {position}."
            )
        self._pending = {"epoch_state": state["epoch_state"].clone(), "position": position}
