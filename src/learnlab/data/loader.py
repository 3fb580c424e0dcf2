"""TensorLoader: mini-batches of in-memory tensors, resumable to the exact batch.

Each epoch draws a permutation of the examples from the loader's CPU generator (arange order
when `shuffle=False`) and yields `tuple(t.index_select(0, perm[i*b:(i+1)*b]) for t in tensors)`:
one gather per tensor, no per-sample Python (tens of microseconds per batch against hundreds
for a default torch DataLoader, which indexes and collates example by example). A batch
transform (augmentation) runs on each batch and draws its randomness only from the same
generator.

Resume. The loader records, for the epoch in progress:
  (a) the generator state at the start of the epoch, before the permutation is drawn;
  (b) `position`, the number of batches already yielded in the epoch;
  (c) the generator state right after the last yielded batch (after its transform).
Bookkeeping is updated before each yield, so a `state_dict()` taken in the consumer's loop
body after receiving batch i has position i + 1. After `load_state_dict`, the next `iter()`
restores (a), redraws the same permutation, sets the generator to (c) and continues at batch
`position`: the batches and augmentation draws are those of an uninterrupted run. A resumed
iterator finishes the interrupted epoch (it yields nothing if that epoch had no batches left);
the iterator after it starts the next epoch. When an epoch ends, position returns to 0 and
the next `iter()` starts a new epoch from the generator's current state. Only one iterator
should be live at a time; calling `iter()` again abandons the previous epoch.

Data parallel. With `world_size` > 1 every rank draws the same permutation (same seed) and
yields its share of each global batch of `batch_size` examples (`torch.tensor_split` of the
batch's indices: shares differ by at most one example); `global_examples` is the size of the
global batch last yielded. The state is the same on every rank.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch
from torch import Tensor

from learnlab.data.transforms import BatchTransform
from learnlab.io.errors import ConfigError

_STATE_KEYS = ("epoch_state", "position", "after_state")
_CHECK_KEYS = ("batch_size", "shuffle", "drop_last", "num_examples")


class TensorLoader:
    """Iterate over mini-batches of tensors that share their first dimension.

    The generator is `generator` if given (a CPU torch.Generator, used as is), else a new one
    seeded with `seed`; with neither, the seed is `torch.initial_seed()`, so loaders follow
    `torch.manual_seed` (two unseeded loaders then shuffle alike: pass `seed` to tell them
    apart). `device` (default: that of the first tensor) receives all tensors once, here.

    >>> x, y = torch.randn(10, 3), torch.arange(10)
    >>> loader = TensorLoader(x, y, batch_size=4, seed=0)
    >>> [len(yb) for _, yb in loader]
    [4, 4, 2]
    """

    def __init__(
        self,
        *tensors: Tensor,
        batch_size: int,
        shuffle: bool = True,
        drop_last: bool = False,
        seed: int | None = None,
        generator: torch.Generator | None = None,
        device: str | torch.device | None = None,
        transform: BatchTransform | None = None,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        if not tensors or not all(isinstance(t, Tensor) for t in tensors):
            raise ConfigError("TensorLoader needs one or more tensors, e.g. TensorLoader(x, y).")
        lengths = [len(t) if t.dim() > 0 else None for t in tensors]
        if len(set(lengths)) != 1 or lengths[0] is None:
            raise ConfigError(
                "TensorLoader needs tensors with the same first dimension (one row per example); "
                f"got shapes {[tuple(t.shape) for t in tensors]}."
            )
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ConfigError(f"batch_size must be a positive integer, got {batch_size!r}.")
        if seed is not None and generator is not None:
            raise ConfigError("Pass either seed or generator to TensorLoader, not both.")
        if generator is not None and generator.device.type != "cpu":
            raise ConfigError(
                f"TensorLoader needs a CPU generator (permutations are drawn on the CPU), got "
                f"one on {generator.device}."
            )
        if transform is not None and not callable(transform):
            raise ConfigError("transform must be callable as transform(batch, generator).")
        self.device = torch.device(device) if device is not None else tensors[0].device
        self.tensors = tuple(t.to(self.device) for t in tensors)
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.transform = transform
        if not 0 <= rank < world_size:
            raise ConfigError(f"rank must be in [0, {world_size}), got {rank}.")
        self.rank, self.world_size = rank, world_size
        smallest = min(batch_size, self.num_examples % batch_size or batch_size)
        if smallest < world_size:  # a rank with an empty share would have no mean loss
            raise ConfigError(
                f"batch_size {batch_size} with {self.num_examples} examples gives a batch of "
                f"{smallest}, fewer than the {world_size} processes: each needs one example or "
                f"more. Use a batch size of at least {world_size} (--batch-size) whose "
                f"remainder is 0 or >= {world_size}, or fewer processes (--nproc)."
            )
        self.global_examples = 0
        if generator is None:
            generator = torch.Generator()
            generator.manual_seed(torch.initial_seed() if seed is None else seed)
        self.generator = generator
        if len(self) == 0:
            raise ConfigError(
                f"TensorLoader would yield no batches: {self.num_examples} examples, batch_size "
                f"{batch_size}, drop_last={drop_last}. Use a smaller batch_size or drop_last=False."
            )
        # Resume bookkeeping (see the module docstring); _epoch_state is None between epochs.
        self._position = 0
        self._epoch_state: Tensor | None = None
        self._after_state: Tensor | None = None
        self._pending: dict | None = None

    @property
    def num_examples(self) -> int:
        return len(self.tensors[0])

    def __len__(self) -> int:
        """Batches per epoch."""
        if self.drop_last:
            return self.num_examples // self.batch_size
        return math.ceil(self.num_examples / self.batch_size)

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        g = self.generator
        resume, self._pending = self._pending, None
        if resume is not None:
            g.set_state(resume["epoch_state"])
        epoch_state = g.get_state()
        if self.shuffle:
            order = torch.randperm(self.num_examples, generator=g)
        else:
            order = torch.arange(self.num_examples)
        start = 0
        if resume is not None and resume["position"] > 0:
            g.set_state(resume["after_state"])
            start = resume["position"]
        order = order.to(self.device)
        self._epoch_state, self._position, self._after_state = epoch_state, start, g.get_state()
        return self._batches(order, start)

    def _batches(self, order: Tensor, start: int) -> Iterator[tuple[Tensor, ...]]:
        g, b = self.generator, self.batch_size
        for i in range(start, len(self)):
            index = order[i * b : (i + 1) * b]
            self.global_examples = len(index)
            if self.world_size > 1:  # this rank's share of the global batch
                index = index.tensor_split(self.world_size)[self.rank]
            # index_select: the same gather as t[index], about 2x faster on the CPU (35 us
            # against 73 us for 64 MNIST images), as it skips advanced indexing's dispatch
            batch = tuple(t.index_select(0, index) for t in self.tensors)
            self._position = i + 1
            if self.transform is not None:
                batch = self.transform(batch, g)
                # without a transform the generator is untouched after the permutation
                self._after_state = g.get_state()
            yield batch
        self._position = 0
        self._epoch_state = self._after_state = None

    def state_dict(self) -> dict:
        """Where the loader is: enough to replay the rest of the epoch and all later ones.

        Plain data plus uint8 tensors (generator states): safe for safetensors/JSON storage.
        """
        if self._pending is not None:
            state = {k: self._pending[k] for k in _STATE_KEYS}
        elif self._epoch_state is None:  # between epochs: the next starts from the current state
            now = self.generator.get_state()
            state = {"epoch_state": now, "position": 0, "after_state": now}
        else:
            state = {
                "epoch_state": self._epoch_state,
                "position": self._position,
                "after_state": self._after_state,
            }
        state["epoch_state"] = state["epoch_state"].clone()
        state["after_state"] = state["after_state"].clone()
        state.update({k: getattr(self, k) for k in _CHECK_KEYS})
        return state

    def load_state_dict(self, state: dict) -> None:
        """Make the next `iter()` continue exactly where `state` was taken."""
        missing = [k for k in (*_STATE_KEYS, *_CHECK_KEYS) if k not in state]
        if missing:
            raise ConfigError(f"Loader state is missing {missing}; was it made by state_dict()?")
        mismatched = [
            f"{k}: state has {state[k]!r}, loader has {getattr(self, k)!r}"
            for k in _CHECK_KEYS
            if state[k] != getattr(self, k)
        ]
        if mismatched:
            raise ConfigError(
                "Loader state does not fit this loader (build it with the same data and "
                "options): " + "; ".join(mismatched) + "."
            )
        position = state["position"]
        if isinstance(position, Tensor):
            position = int(position)
        if not isinstance(position, int) or not 0 <= position <= len(self):
            raise ConfigError(f"Loader state position must be in [0, {len(self)}], got {position}.")
        for k in ("epoch_state", "after_state"):
            s = state[k]
            if not isinstance(s, Tensor) or s.dtype != torch.uint8:
                raise ConfigError(f"Loader state {k!r} must be a uint8 tensor (generator state).")
        self._pending = {
            "epoch_state": state["epoch_state"].clone(),
            "position": position,
            "after_state": state["after_state"].clone(),
        }
