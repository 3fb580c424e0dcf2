"""Reader for the IDX format of MNIST and Fashion-MNIST.

Format (Y. LeCun, C. Cortes, C. J. C. Burges, "The MNIST database of handwritten digits",
http://yann.lecun.com/exdb/mnist/): a 4-byte magic number, two zero bytes, a type code and the
number of dimensions `d`; then `d` big-endian uint32 sizes; then the values, big-endian, in
C order. Files are usually gzip-compressed. The payload is decoded with one numpy
`frombuffer` (no per-element Python) and checked to be exactly as long as the sizes say.
"""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path

import numpy as np
import torch

from learnlab.data.checks import REPLACE_FILE
from learnlab.io.errors import DataError

# type code -> big-endian dtype stored in the file
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path_or_bytes: str | Path | bytes, *, name: str | None = None) -> torch.Tensor:
    """Parse an IDX file (gzip-compressed or raw) into a tensor of its shape and native dtype.

    `name` labels the data in error messages when bytes are passed (default: the path).
    Raises DataError on a bad magic number, a truncated or overlong payload, or broken gzip.

    >>> read_idx("mnist/t10k-labels-idx1-ubyte.gz").shape  # doctest: +SKIP
    torch.Size([10000])
    """
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        raw = bytes(path_or_bytes)
        label = name or "<IDX bytes>"
    else:
        path = Path(path_or_bytes)
        label = name or str(path)
        try:
            raw = path.read_bytes()
        except OSError as e:
            raise DataError(f"Cannot read IDX file {label}: {e}") from e
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as e:
            raise DataError(
                f"IDX file {label} is not a valid gzip stream ({e}); it is probably truncated "
                f"or corrupt. {REPLACE_FILE}"
            ) from e
    return _parse(raw, label)


def _parse(raw: bytes, label: str) -> torch.Tensor:
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_DTYPES:
        codes = ", ".join(f"0x{c:02X}" for c in IDX_DTYPES)
        raise DataError(
            f"{label} is not an IDX file: magic number {raw[:4].hex() or '(empty)'} should be "
            f"00 00 <type> <ndim> with type one of {codes}. {REPLACE_FILE}"
        )
    dtype = IDX_DTYPES[raw[2]]
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(
            f"IDX file {label} is truncated: its header needs {header} bytes, found "
            f"{len(raw)}. {REPLACE_FILE}"
        )
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = math.prod(dims) * dtype.itemsize
    actual = len(raw) - header
    if actual != expected:
        problem = "truncated" if actual < expected else "longer than its header says"
        raise DataError(
            f"IDX file {label} is {problem}: shape {dims} of {dtype.name} needs "
            f"{expected:,} payload bytes, found {actual:,}. {REPLACE_FILE}"
        )
    values = np.frombuffer(raw, dtype=dtype, count=math.prod(dims), offset=header)
    # astype copies into native byte order, giving torch a writable array.
    return torch.from_numpy(values.astype(dtype.newbyteorder("="))).reshape(dims)
