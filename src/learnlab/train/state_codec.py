"""Split nested training state into JSON-able plain data and a flat dict of tensors.

Optimizer, scheduler, loader and RNG states are nested dicts and lists mixing numbers and
tensors. Checkpoints keep the tensors in safetensors and the rest as JSON, so each tensor
is replaced by `{"__tensor__": key}` and stored under that key; `decode` puts them back.
Nothing is ever unpickled.
"""

from __future__ import annotations

import math
from typing import Any

import torch

TENSOR_TAG = "__tensor__"
FLOAT_TAG = "__float__"  # JSON has no inf/nan; such floats are stored as strings


def encode(state: Any, prefix: str, tensors: dict[str, torch.Tensor]) -> Any:
    """Return a JSON-able copy of `state`; its tensors go into `tensors` under `prefix...` keys."""
    if isinstance(state, torch.Tensor):
        key = prefix
        # safetensors refuses shared or non-contiguous storage: store a private copy
        tensors[key] = state.detach().to("cpu").clone().contiguous()
        return {TENSOR_TAG: key}
    if isinstance(state, dict):
        if not all(isinstance(k, (str, int)) for k in state):
            raise TypeError(
                f"cannot encode dict keys of types {sorted({type(k).__name__ for k in state})}"
            )
        # keys are stored as strings; int keys (optimizer state) are marked to come back as ints
        return {"__dict__": [[k, encode(v, f"{prefix}.{k}", tensors)] for k, v in state.items()]}
    if isinstance(state, (list, tuple)):
        items = [encode(v, f"{prefix}.{i}", tensors) for i, v in enumerate(state)]
        return {"__tuple__": items} if isinstance(state, tuple) else items
    if isinstance(state, float) and not math.isfinite(state):
        return {FLOAT_TAG: repr(state)}
    if state is None or isinstance(state, (bool, int, float, str)):
        return state
    raise TypeError(f"cannot store a {type(state).__name__} in a checkpoint (at {prefix!r})")


def decode(data: Any, tensors: dict[str, torch.Tensor]) -> Any:
    """Inverse of `encode`."""
    if isinstance(data, dict):
        if TENSOR_TAG in data:
            return tensors[data[TENSOR_TAG]]
        if FLOAT_TAG in data:
            return float(data[FLOAT_TAG])
        if "__tuple__" in data:
            return tuple(decode(v, tensors) for v in data["__tuple__"])
        return {k: decode(v, tensors) for k, v in data["__dict__"]}
    if isinstance(data, list):
        return [decode(v, tensors) for v in data]
    return data
