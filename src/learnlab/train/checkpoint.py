"""Checkpoints: one safetensors file holding the tensors, with the JSON metadata in its header.

Keeping both in one file lets a single atomic rename publish a checkpoint: the file is written
by `learnlab.io.atomic.atomic_write_bytes` (temporary file, fsync, rename, fsync of the folder),
so a crash, even SIGKILL, leaves the old checkpoint or the new one, never half of one.
The JSON (under the header key "learnlab") holds everything that is not a tensor: epoch and
position, history, optimizer hyperparameters, scheduler state, config.

Format 2 adds SHA-256 checksums to the header: one of the tensors (name, dtype, shape and raw
bytes of each, in sorted name order) and one of the JSON state. `load_state` recomputes both
and refuses a file whose bytes changed after it was written (a damaged disk, a bad copy, an
edit), instead of resuming from silently wrong weights. Hashing is cheap (4 MB of tensors:
about 6 ms on the 2-core CPU). Format 1 files (no checksums) still load, unverified.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from learnlab.io.atomic import atomic_write_bytes
from learnlab.io.errors import DataError

METADATA_KEY = "learnlab"
FORMAT_VERSION = 2
READABLE_FORMATS = (1, 2)  # 1: before checksums; loaded without verification


def tensors_sha256(tensors: Mapping[str, Any]) -> str:
    """SHA-256 over every tensor's name, dtype, shape and raw bytes, in sorted name order.

    The same tensors give the same digest whatever order they were stored in; any changed
    byte, name, dtype or shape gives another.
    """
    import torch

    digest = hashlib.sha256()
    for name in sorted(tensors):
        tensor = tensors[name].detach().to("cpu").contiguous()
        digest.update(f"{name}\0{tensor.dtype}\0{list(tensor.shape)}\0".encode())
        # a flat uint8 view reads the bytes of any dtype (bfloat16, bool...) without a copy
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def _state_sha256(meta: Any) -> str:
    """SHA-256 of the JSON state in a canonical form (sorted keys, no spaces)."""
    text = json.dumps(meta, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def save_state(path: Path, state: dict[str, Any]) -> None:
    """Save nested `state` (plain data and tensors) atomically as one safetensors file."""
    from safetensors.torch import save

    from learnlab.train.state_codec import encode

    tensors: dict = {}
    meta = encode(state, "s", tensors)
    checksums = {"tensors": tensors_sha256(tensors), "state": _state_sha256(meta)}
    header = json.dumps(
        {"format": FORMAT_VERSION, "sha256": checksums, "state": meta}, allow_nan=False
    )
    atomic_write_bytes(path, save(tensors, metadata={METADATA_KEY: header}))


def _damaged(path: Path, what: str) -> DataError:
    return DataError(
        f"checkpoint {path} cannot be read: it is corrupt ({what}); the file was changed or "
        "damaged after it was written.\nUse an earlier checkpoint (a copy of the run "
        "directory), or start the run again."
    )


def load_state(path: Path) -> dict[str, Any]:
    """Load what `save_state` wrote, verifying its checksums.

    A missing file, a file that is not a safetensors checkpoint, one cut short or with changed
    bytes gets a DataError naming the file and saying what to do.
    """
    from learnlab.io.safe_load import parse_safetensors, read_safetensors_bytes
    from learnlab.train.state_codec import decode

    path = Path(path)
    if not path.is_file():
        raise DataError(
            f"no checkpoint at {path}.\n"
            "Pass --resume the run directory of an earlier `learnlab train` (it holds "
            "checkpoint.safetensors) or the checkpoint file itself."
        )
    # one read (a run may be replacing the file meanwhile); a pickle is refused before parsing
    data = read_safetensors_bytes(path, what="checkpoint")
    try:
        tensors, metadata = parse_safetensors(data)
        header = metadata.get(METADATA_KEY)
    except Exception as exc:  # safetensors raises several types for damaged files
        raise _damaged(path, f"not a readable safetensors file: {exc}") from exc
    if header is None:
        raise DataError(
            f"{path} is a safetensors file but not a learnlab checkpoint (its header has no "
            f"{METADATA_KEY!r} entry).\nGive the checkpoint.safetensors of a learnlab run."
        )
    try:
        meta = json.loads(header)
        version = meta.get("format")
        state = meta["state"]
    except (ValueError, AttributeError, KeyError) as exc:
        raise _damaged(path, f"its metadata is not valid ({exc})") from exc
    if version not in READABLE_FORMATS:
        raise DataError(
            f"checkpoint {path} has format {version}; this learnlab reads formats "
            f"{', '.join(map(str, READABLE_FORMATS))}.\nUse the learnlab version that wrote it."
        )
    if version >= 2:
        expected = meta.get("sha256") or {}
        if expected.get("state") != _state_sha256(state):
            raise _damaged(path, "checksum mismatch in the JSON state")
        if expected.get("tensors") != tensors_sha256(tensors):
            raise _damaged(path, "checksum mismatch in the tensor data")
    try:
        return decode(state, tensors)
    except (KeyError, TypeError, ValueError) as exc:  # only reachable for unverified format 1
        raise _damaged(path, f"its state does not decode ({exc!r})") from exc
