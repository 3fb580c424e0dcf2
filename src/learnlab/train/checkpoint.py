"""Checkpoints: one safetensors file holding the tensors, with the JSON metadata in its header.

Keeping both in one file lets a single atomic rename publish a checkpoint: the file is written
by `learnlab.fileio.atomic_write_bytes` (temporary file, fsync, rename, fsync of the folder),
so a crash, even SIGKILL, leaves the old checkpoint or the new one, never half of one.
The JSON (under the header key "learnlab") holds everything that is not a tensor: epoch and
position, history, optimizer hyperparameters, scheduler state, config.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from learnlab.errors import DataError
from learnlab.fileio import atomic_write_bytes

METADATA_KEY = "learnlab"
FORMAT_VERSION = 1


def save_state(path: Path, state: dict[str, Any]) -> None:
    """Save nested `state` (plain data and tensors) atomically as one safetensors file."""
    from safetensors.torch import save

    from learnlab.train.state_codec import encode

    tensors: dict = {}
    meta = encode(state, "s", tensors)
    header = json.dumps({"format": FORMAT_VERSION, "state": meta}, allow_nan=False)
    atomic_write_bytes(path, save(tensors, metadata={METADATA_KEY: header}))


def load_state(path: Path) -> dict[str, Any]:
    """Load what `save_state` wrote; a missing or unreadable file gets a DataError."""
    from safetensors import safe_open

    from learnlab.train.state_codec import decode

    path = Path(path)
    if not path.is_file():
        raise DataError(
            f"no checkpoint at {path}.\n"
            "Pass --resume the run directory of an earlier `learnlab train` (it holds "
            "checkpoint.safetensors) or the checkpoint file itself."
        )
    try:
        with safe_open(str(path), framework="pt") as f:
            header = (f.metadata() or {}).get(METADATA_KEY)
            tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 - safe_open has no __iter__
    except Exception as exc:  # safetensors raises several types for damaged files
        raise DataError(f"checkpoint {path} cannot be read ({exc}); it is damaged.") from exc
    if header is None:
        raise DataError(f"{path} is a safetensors file but not a learnlab checkpoint.")
    meta = json.loads(header)
    if meta.get("format") != FORMAT_VERSION:
        raise DataError(
            f"checkpoint {path} has format {meta.get('format')}; "
            f"this learnlab reads format {FORMAT_VERSION}."
        )
    return decode(meta["state"], tensors)
