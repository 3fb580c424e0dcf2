"""IDX reader: round trips against numpy for every type code, gzip and raw, and bad input."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
import torch

from learnlab.data.idx import IDX_DTYPES, read_idx
from learnlab.io.errors import DataError


def idx_bytes(a: np.ndarray, code: int) -> bytes:
    """Build an IDX file by hand: 00 00 <code> <ndim>, big-endian uint32 dims, big-endian data."""
    header = bytes([0, 0, code, a.ndim]) + np.asarray(a.shape, dtype=">u4").tobytes()
    return header + a.astype(IDX_DTYPES[code]).tobytes()


@pytest.mark.parametrize("code", sorted(IDX_DTYPES))
@pytest.mark.parametrize("compress", [False, True])
def test_round_trip_every_type(code, compress):
    rng = np.random.default_rng(code)
    dt = IDX_DTYPES[code]
    if dt.kind == "f":
        a = rng.normal(size=(3, 4, 5)).astype(dt.newbyteorder("="))
    else:
        info = np.iinfo(dt)
        a = rng.integers(info.min, info.max, size=(3, 4, 5), endpoint=True).astype(dt)
    raw = idx_bytes(a, code)
    assert raw[4:8] == b"\x00\x00\x00\x03"  # dims really are big-endian
    t = read_idx(gzip.compress(raw) if compress else raw)
    expected = a.astype(dt.newbyteorder("="))
    assert t.shape == (3, 4, 5)
    assert t.dtype == torch.from_numpy(expected).dtype
    np.testing.assert_array_equal(t.numpy(), expected)


def test_multibyte_values_are_big_endian():
    raw = bytes([0, 0, 0x0B, 1, 0, 0, 0, 2]) + b"\x01\x02\xff\xfe"
    assert read_idx(raw).tolist() == [0x0102, -2]


def test_reads_file_paths_and_is_writable(tmp_path):
    a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / "x-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(a, 0x08)))
    t = read_idx(path)
    np.testing.assert_array_equal(t.numpy(), a)
    t[0, 0, 0] = 7  # a writable tensor, not a view of immutable bytes


def test_bad_magic_names_the_file(tmp_path):
    path = tmp_path / "bad.idx"
    path.write_bytes(bytes([0, 0, 0x07, 1, 0, 0, 0, 1, 5]))
    with pytest.raises(DataError, match="bad.idx.*not an IDX file"):
        read_idx(path)
    with pytest.raises(DataError, match="not an IDX file"):
        read_idx(b"PK\x03\x04garbage")


def test_truncated_and_overlong_payload(tmp_path):
    raw = idx_bytes(np.zeros((10, 5), dtype=np.float32), 0x0D)
    path = tmp_path / "short.idx"
    path.write_bytes(raw[:-3])
    with pytest.raises(DataError, match=r"short.idx is truncated.*200 payload bytes, found 197"):
        read_idx(path)
    with pytest.raises(DataError, match="longer than its header says"):
        read_idx(raw + b"\x00")
    with pytest.raises(DataError, match="header"):
        read_idx(raw[:9])


def test_truncated_gzip_names_the_file(tmp_path):
    blob = gzip.compress(idx_bytes(np.arange(1000, dtype=np.int32), 0x0C))
    path = tmp_path / "half.gz"
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DataError, match="half.gz is not a valid gzip stream"):
        read_idx(path)


def test_real_mnist_labels(data_root):
    y = read_idx(data_root / "mnist" / "t10k-labels-idx1-ubyte.gz")
    assert y.shape == (10000,) and y.dtype == torch.uint8
    assert y[:5].tolist() == [7, 2, 1, 0, 4]  # the famous first test digits
