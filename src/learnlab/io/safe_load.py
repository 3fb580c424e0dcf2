"""Refuse any weights file that is not safetensors, before anything parses it.

Why: a pickle is a small program. Its REDUCE opcode calls any importable function with any
arguments, so `pickle.load`, and `torch.load` without `weights_only=True` (whose files are
pickles, alone or inside a zip), run whatever code the file's author wrote (E. Sultanik,
2021, "Never a dill moment: Exploiting machine learning pickle files", Trail of Bits; the
warning at the top of Python's `pickle` documentation). learnlab therefore reads weights
only from safetensors (Hugging Face, 2022: a format that holds tensors and a JSON header,
nothing executable) and metadata only from JSON, and never unpickles a file from elsewhere.

safetensors itself would reject a pickle too, but with an obscure message ("header too
large"). `require_safetensors` checks the structure first and says what the file is,
why it is refused and how to convert trusted weights. The check (no code runs):

1. the file must have the structure of a safetensors file: an 8-byte little-endian header
   length N with 2 <= N <= size - 8 (and at most 100 MB, safetensors' own limit), followed by
   N bytes of UTF-8 JSON whose top level is an object;
2. a file that fails is named by its first bytes, for the message: pickle protocol 2+ starts
   with 0x80 (so does the legacy `torch.save` format); `torch.save` since PyTorch 1.6 writes a
   zip ("PK\\x03\\x04") around a pickle; numpy's .npy starts with "\\x93NUMPY"; gzip with 1f 8b.
   (The structure comes first: a real safetensors file whose header length ends in the byte
   0x80 also starts with 0x80.)

Example:
    >>> require_safetensors("runs/x/model.safetensors", what="model")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

from learnlab.io.errors import DataError

# safetensors refuses headers above 100 MB (safetensors/src/tensor.rs, MAX_HEADER_SIZE).
MAX_HEADER_BYTES = 100_000_000

# leading bytes -> what a file starting with them is (checked in order)
_KNOWN_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a zip archive, the format of torch.save (a pickle inside a zip)"),
    (
        b"\x80",
        "a pickle (its first byte 0x80 marks pickle protocol 2 or later; legacy "
        "torch.save files are pickles too)",
    ),
    (b"\x93NUMPY", "a numpy .npy array file"),
    (b"\x1f\x8b", "a gzip-compressed file"),
)

CONVERT_HINT = (
    "If you trust where the file came from, convert it to safetensors yourself:\n"
    "    import torch, safetensors.torch\n"
    "    state = torch.load(PATH, weights_only=True)  # refuses code; plain tensors only\n"
    "    safetensors.torch.save_file(state, 'weights.safetensors')"
)


class UnsafeFileError(DataError):
    """A file given as weights or a checkpoint that is not safetensors (e.g. a pickle)."""


def sniff(head: bytes, size: int) -> str | None:
    """Why a file that starts with `head` and has `size` bytes is not safetensors, or None.

    `head` must hold at least the first min(size, 8 + N) bytes, where N is the header length
    the first 8 bytes announce (see `require_safetensors`); only bytes are compared, nothing
    is parsed except the JSON header of a file that passes every other test.
    """
    problem = _structure_problem(head, size)
    if problem is not None:
        for magic, what in _KNOWN_MAGIC:
            if head.startswith(magic):
                return f"it is {what}"
    return problem


def _structure_problem(head: bytes, size: int) -> str | None:
    """Why `head` does not start a safetensors file of `size` bytes, or None."""
    if size < 8:
        return f"it is too short ({size} bytes) to hold a safetensors header"
    (header_len,) = struct.unpack("<Q", head[:8])
    if not 2 <= header_len <= min(size - 8, MAX_HEADER_BYTES):
        return (
            f"its first 8 bytes announce a {header_len:,}-byte header, impossible in a "
            f"{size:,}-byte safetensors file"
        )
    header = head[8 : 8 + header_len]
    if header[:1] != b"{":
        return "its header does not start a JSON object"
    try:
        parsed = json.loads(header.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"its header is not valid JSON ({exc})"
    if not isinstance(parsed, dict):
        return "its header is not a JSON object"
    return None


def _read_head(path: Path) -> tuple[bytes, int]:
    """The bytes `sniff` needs (first 8, plus the announced header when plausible), size."""
    size = path.stat().st_size
    with open(path, "rb") as file:
        head = file.read(8)
        if len(head) == 8:
            (header_len,) = struct.unpack("<Q", head)
            if header_len <= min(size - 8, MAX_HEADER_BYTES):
                head += file.read(header_len)
    return head, size


def require_safetensors(path: str | Path, *, what: str = "weights file") -> Path:
    """Return `path` if it is a safetensors file; else raise UnsafeFileError naming it.

    `what` names the role of the file in the message ("checkpoint", "--weights", "model").
    A missing or unreadable file raises DataError. Nothing in the file is executed or
    unpickled, whatever it holds.
    """
    path = Path(path)
    try:
        head, size = _read_head(path)
    except OSError as exc:
        raise DataError(f"cannot read {what} {path}: {exc}") from exc
    _refuse_unless_safetensors(path, head, size, what)
    return path


def _refuse_unless_safetensors(path: Path, head: bytes, size: int, what: str) -> None:
    problem = sniff(head, size)
    if problem is None:
        return
    raise UnsafeFileError(
        f"{what} {path} is not a safetensors file: {problem}.\n"
        "learnlab reads weights only from safetensors and metadata only from JSON; it never "
        "unpickles a file (torch.load and pickle.load of a file can run any code its author "
        "put in it), so it refused to open this one.\n"
        + CONVERT_HINT.replace("PATH", repr(str(path)))
    )


def read_safetensors_bytes(path: str | Path, *, what: str = "weights file") -> bytes:
    """The whole of a safetensors file, read in one pass and checked as `require_safetensors`
    does; parse it with `parse_safetensors`.

    Why one read: safetensors' `safe_open` takes the header from one opening of the file and,
    for torch, maps the data through another opening by name, so a file replaced (atomically)
    between the two gives the new data at the old offsets. A checkpoint read while its run
    writes the next one then fails its checksum. These bytes are one version of the file.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read {what} {path}: {exc}") from exc
    _refuse_unless_safetensors(path, data, len(data), what)  # sniff reads only the header
    return data


def parse_safetensors(data: bytes) -> tuple[dict[str, Any], dict[str, str]]:
    """(tensors on the CPU, header metadata) of the bytes `read_safetensors_bytes` returned.

    Raises safetensors' or json's own exceptions for data damaged past the header; callers
    turn them into a message naming the file.
    """
    from safetensors.torch import load

    loaded = load(data)  # in the file's order; sorted by name, as safe_open's keys() are
    return {name: loaded[name] for name in sorted(loaded)}, _metadata(_header(data)[1])


def _header(head: bytes) -> tuple[int, dict[str, Any]]:
    """(length, parsed JSON) of the header of a file that `sniff` passed (an object)."""
    (header_len,) = struct.unpack("<Q", head[:8])
    return header_len, json.loads(head[8 : 8 + header_len])


def _metadata(header: dict[str, Any]) -> dict[str, str]:
    return dict(header.get("__metadata__") or {})


def read_safetensors(
    path: str | Path, *, what: str = "weights file", tensors: bool = True
) -> tuple[dict[str, Any], dict[str, str]]:
    """(tensors, header metadata) of a safetensors file, on the CPU; never unpickles.

    The file is read once and checked as `require_safetensors` does; a file that passes but
    is damaged further on (cut short, data not covering the header's offsets) gets a
    DataError naming it instead of safetensors' own exception. `tensors=False` reads only
    the header (and checks that the file is long enough for its offsets).
    """
    path = Path(path)
    if not tensors:  # the header alone: one opening reads and checks it
        try:
            head, size = _read_head(path)
        except OSError as exc:
            raise DataError(f"cannot read {what} {path}: {exc}") from exc
        _refuse_unless_safetensors(path, head, size, what)
        header_len, header = _header(head)
        try:
            missing = _data_missing(header, 8 + header_len, size)
        except (TypeError, ValueError, IndexError) as exc:  # offsets that are not numbers
            raise _damaged(path, what, f"its header's data offsets are not valid: {exc}") from exc
        if missing:  # safetensors would refuse to open it: say so now, as for a full read
            raise _damaged(path, what, f"{missing:,} bytes of tensor data missing")
        return {}, _metadata(header)
    data = read_safetensors_bytes(path, what=what)
    try:
        return parse_safetensors(data)
    except Exception as exc:  # safetensors raises several types for damaged files
        raise _damaged(path, what, str(exc)) from exc


def _damaged(path: Path, what: str, why: str) -> DataError:
    return DataError(
        f"{what} {path} cannot be read: it is damaged ({why}).\n"
        "It was probably cut short or changed after it was written; use another copy, or "
        "run again what produced it."
    )


def _data_missing(header: dict[str, Any], data_start: int, size: int) -> int:
    """How many bytes the header's tensor offsets (counted from `data_start`) reach past the
    end of a file of `size` bytes (0: none)."""
    ends = [
        int(entry["data_offsets"][1])
        for name, entry in header.items()
        if name != "__metadata__" and isinstance(entry, dict) and "data_offsets" in entry
    ]
    return max(0, data_start + max(ends, default=0) - size)
