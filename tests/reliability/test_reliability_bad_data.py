"""Bad data files: every fault gives a DataError that names the file and says what to do.

Two layers are tested, each through `load_dataset(name, root=tmp, download=False)` and through
`learnlab train` (exit code 2, no traceback, no run directory left behind):
1. the registered MNIST, with one real file from the shared data folder damaged: the SHA-256
   pinned in the registry catches every fault before the file is parsed;
2. an MNIST look-alike whose (small, hand-written) files are pinned to their own, faulty,
   checksums, built by the same builder as MNIST: the parser's and builder's checks catch
   each fault (a user's own data set has no trusted checksum to fall back on).
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

from learnlab.cli import main
from learnlab.data import load_dataset
from learnlab.data import registry as data_registry
from learnlab.data.builtin_images import DIGIT_NAMES, idx_builder
from learnlab.data.files import RemoteFile
from learnlab.data.idx import IDX_DTYPES
from learnlab.data.registry import DatasetSpec, get_dataset_spec
from learnlab.io.errors import DataError

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
LOOKALIKE = "mnist-lookalike"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """No $LEARNLAB_DATA, an empty user cache and runs folder inside tmp_path."""
    # empty, not unset: no data folder, not even the one `make` recorded in the venv
    monkeypatch.setenv("LEARNLAB_DATA", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))


def idx_bytes(a: np.ndarray, code: int = 0x08, count: int | None = None) -> bytes:
    """An IDX file: 00 00 <code> <ndim>, big-endian dims (the first may lie: `count`), data."""
    dims = list(a.shape)
    if count is not None:
        dims[0] = count
    header = bytes([0, 0, code, a.ndim]) + np.asarray(dims, dtype=">u4").tobytes()
    return header + a.astype(IDX_DTYPES[code]).tobytes()


def flip_middle_byte(blob: bytes) -> bytes:
    damaged = bytearray(blob)
    damaged[len(blob) // 2] ^= 0xFF
    return bytes(damaged)


def cli_train(dataset: str) -> list[str]:
    return ["train", "--dataset", dataset, "--model", "mlp", "--epochs", "1"] + [
        "--set",
        "progress=false",
    ]


def assert_clean_cli_failure(dataset: str, path: Path, capsys, tmp_path) -> str:
    """`learnlab train` on `dataset` exits 2, names `path`, shows no traceback, writes no run."""
    assert main(cli_train(dataset)) == 2
    err = capsys.readouterr().err
    assert str(path) in err.replace("\n", "")
    assert "Traceback" not in err
    runs_folder = tmp_path / "runs"
    assert not runs_folder.exists() or not any(p.is_dir() for p in runs_folder.iterdir())
    return err


# ---- 1. the registered MNIST, one real file damaged ------------------------------------------


def _decompressed(data_root: Path, name: str) -> bytes:
    return gzip.decompress((data_root / "mnist" / name).read_bytes())


def _labels_with(data_root: Path, change: Callable[[bytearray], None]) -> bytes:
    raw = bytearray(_decompressed(data_root, TEST_LABELS))
    change(raw)
    return gzip.compress(bytes(raw))


def _images_32x32(data_root: Path) -> bytes:
    x = np.frombuffer(_decompressed(data_root, TEST_IMAGES)[16:], np.uint8).reshape(-1, 28, 28)
    return gzip.compress(idx_bytes(np.pad(x[:100], ((0, 0), (2, 2), (2, 2)))))


REAL_FAULTS: dict[str, tuple[str, Callable[[Path], bytes]]] = {
    "gzip-cut-in-the-middle": (
        TEST_LABELS,
        lambda root: (root / "mnist" / TEST_LABELS).read_bytes()[:2000],
    ),
    "bytes-flipped": (
        TEST_IMAGES,
        lambda root: flip_middle_byte((root / "mnist" / TEST_IMAGES).read_bytes()),
    ),
    "wrong-idx-magic": (
        TEST_LABELS,
        lambda root: _labels_with(root, lambda r: r.__setitem__(2, 7)),
    ),
    "header-count-too-large": (
        TEST_LABELS,
        lambda root: _labels_with(root, lambda r: r.__setitem__(slice(4, 8), b"\0\0'\x11")),
    ),
    "one-label-missing": (
        TEST_LABELS,
        lambda root: _labels_with(root, lambda r: (r.__delitem__(-1), r.__setitem__(7, 0x0F))),
    ),
    "images-32x32": (TEST_IMAGES, _images_32x32),
    "label-out-of-range": (
        TEST_LABELS,
        lambda root: _labels_with(root, lambda r: r.__setitem__(8 + 123, 10)),
    ),
}


def damaged_mnist_root(data_root: Path, folder: Path, name: str, content: bytes) -> Path:
    """A data root whose MNIST files link to the real ones, except `name`, holding `content`."""
    (folder / "mnist").mkdir(parents=True)
    for spec_file in get_dataset_spec("mnist").files:
        target = folder / spec_file.path
        if Path(spec_file.path).name == name:
            target.write_bytes(content)
        else:
            target.symlink_to(data_root / spec_file.path)
    return folder / "mnist" / name


@pytest.mark.parametrize("fault", sorted(REAL_FAULTS))
def test_damaged_mnist_file_is_caught_by_its_checksum(
    fault, data_root, tmp_path, monkeypatch, capsys
):
    name, damage = REAL_FAULTS[fault]
    content = damage(data_root)
    assert content != (data_root / "mnist" / name).read_bytes()
    root = tmp_path / "data"
    bad = damaged_mnist_root(data_root, root, name, content)
    with pytest.raises(DataError) as err:
        load_dataset("mnist", root=root, download=False)
    msg = str(err.value)
    assert str(bad) in msg and "corrupt" in msg
    assert hashlib.sha256(content).hexdigest() in msg  # what was found ...
    assert next(f.sha256 for f in get_dataset_spec("mnist").files if f.path.endswith(name)) in msg
    assert f"Replace {bad} with a good copy, or delete it." in msg  # ... and what to do
    monkeypatch.setenv("LEARNLAB_DATA", str(root))
    assert_clean_cli_failure("mnist", bad, capsys, tmp_path)


# ---- 2. an MNIST look-alike, pinned to its own faulty files -----------------------------------


def good_lookalike_arrays(n_train: int = 50, n_test: int = 20) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        TRAIN_IMAGES: rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        TRAIN_LABELS: np.arange(n_train, dtype=np.uint8) % 10,
        TEST_IMAGES: rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        TEST_LABELS: np.arange(n_test, dtype=np.uint8) % 10,
    }


def _good_blobs() -> dict[str, bytes]:
    return {
        name: gzip.compress(idx_bytes(a), mtime=0) for name, a in good_lookalike_arrays().items()
    }


def _with(name: str, blob: bytes) -> dict[str, bytes]:
    return {**_good_blobs(), name: blob}


def _nan_labels() -> bytes:
    y = np.arange(20, dtype=np.float32) % 10
    y[5] = np.nan
    return gzip.compress(idx_bytes(y, code=0x0D))


# fault -> (its files, the damaged file, what the message must say)
LOOKALIKE_FAULTS: dict[str, tuple[Callable[[], dict[str, bytes]], str, str]] = {
    "gzip-cut-in-the-middle": (
        lambda: _with(TEST_IMAGES, _good_blobs()[TEST_IMAGES][:3000]),
        TEST_IMAGES,
        "is not a valid gzip stream",
    ),
    "bytes-flipped": (
        lambda: _with(TRAIN_IMAGES, flip_middle_byte(_good_blobs()[TRAIN_IMAGES])),
        TRAIN_IMAGES,
        "is not a valid gzip stream",
    ),
    "wrong-idx-magic": (
        lambda: _with(TRAIN_LABELS, gzip.compress(b"\x00\x00\x07\x01" + bytes(54))),
        TRAIN_LABELS,
        "is not an IDX file: magic number 00000701",
    ),
    "magic-of-a-zip": (
        lambda: _with(TRAIN_LABELS, b"PK\x03\x04" + bytes(50)),
        TRAIN_LABELS,
        "is not an IDX file",
    ),
    "header-count-too-large": (
        lambda: _with(
            TEST_IMAGES,
            gzip.compress(idx_bytes(good_lookalike_arrays()[TEST_IMAGES], count=21)),
        ),
        TEST_IMAGES,
        "is truncated: shape (21, 28, 28) of uint8 needs 16,464 payload bytes, found 15,680",
    ),
    "label-count-differs": (
        lambda: _with(TEST_LABELS, gzip.compress(idx_bytes(np.zeros(19, np.uint8)))),
        TEST_LABELS,
        "holds 19 labels but",
    ),
    "images-32x32": (
        lambda: _with(TRAIN_IMAGES, gzip.compress(idx_bytes(np.zeros((50, 32, 32), np.uint8)))),
        TRAIN_IMAGES,
        "holds images of shape 32x32 (array (50, 32, 32)); mnist-lookalike images are 28x28",
    ),
    "images-not-uint8": (
        lambda: _with(
            TRAIN_IMAGES, gzip.compress(idx_bytes(np.zeros((50, 28, 28), np.float32), 0x0D))
        ),
        TRAIN_IMAGES,
        "holds torch.float32 values; mnist-lookalike images are torch.uint8",
    ),
    "label-out-of-range": (
        lambda: _with(TRAIN_LABELS, gzip.compress(idx_bytes(np.full(50, 10, np.uint8)))),
        TRAIN_LABELS,
        "the label at index 0 is 10 (50 labels are out of range); "
        "mnist-lookalike labels are integers 0..9",
    ),
    "label-not-finite": (
        lambda: _with(TEST_LABELS, _nan_labels()),
        TEST_LABELS,
        "the label at index 5 is nan",
    ),
}


def register_lookalike(monkeypatch, root: Path, blobs: dict[str, bytes]) -> None:
    """Write `blobs` under root/lookalike and register a data set pinned to their checksums."""
    folder = root / "lookalike"
    folder.mkdir(parents=True)
    files = []
    for name, blob in blobs.items():
        (folder / name).write_bytes(blob)
        files.append(
            RemoteFile(f"lookalike/{name}", (), hashlib.sha256(blob).hexdigest(), len(blob))
        )
    spec = DatasetSpec(
        name=LOOKALIKE,
        description="test only: MNIST's format, small files",
        citation="",
        files=tuple(files),
        build=idx_builder(LOOKALIKE, "lookalike", DIGIT_NAMES),
    )
    monkeypatch.setitem(data_registry._REGISTRY, LOOKALIKE, spec)


def test_the_good_lookalike_loads(tmp_path, monkeypatch):
    """The control: without a fault, the same files and builder give the data set."""
    register_lookalike(monkeypatch, tmp_path / "data", _good_blobs())
    ds = load_dataset(LOOKALIKE, root=tmp_path / "data", download=False)
    assert ds.train.x.shape == (50, 1, 28, 28) and ds.test.x.shape == (20, 1, 28, 28)
    expected = good_lookalike_arrays()
    assert torch.equal(ds.train.y, torch.from_numpy(expected[TRAIN_LABELS]).long())
    assert torch.equal(ds.test.x[:, 0], torch.from_numpy(expected[TEST_IMAGES]))


@pytest.mark.parametrize("fault", sorted(LOOKALIKE_FAULTS))
def test_faulty_file_gets_a_clear_error_naming_it(fault, tmp_path, monkeypatch, capsys):
    make_blobs, name, says = LOOKALIKE_FAULTS[fault]
    root = tmp_path / "data"
    register_lookalike(monkeypatch, root, make_blobs())
    bad = root / "lookalike" / name
    with pytest.raises(DataError) as err:
        load_dataset(LOOKALIKE, root=root, download=False)
    msg = str(err.value)
    assert str(bad) in msg
    assert says in msg
    assert "Delete the file and load again with download=True" in msg  # what to do
    monkeypatch.setenv("LEARNLAB_DATA", str(root))
    err_text = assert_clean_cli_failure(LOOKALIKE, bad, capsys, tmp_path)
    assert says.split(";")[0] in err_text.replace("\n", "")


def test_usps_with_a_nan_label_is_refused(tmp_path, monkeypatch):
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "data" / "usps" / "usps.h5"
    path.parent.mkdir(parents=True)
    with h5py.File(path, "w") as h5:
        for group, n in [("train", 30), ("test", 10)]:
            h5[f"{group}/data"] = np.zeros((n, 256), np.float64)
            target = (np.arange(n) % 10).astype(np.float64)
            if group == "test":
                target[3] = np.nan
            h5[f"{group}/target"] = target
    blob = path.read_bytes()
    real = get_dataset_spec("usps")
    pinned = dataclasses.replace(
        real.files[0], sha256=hashlib.sha256(blob).hexdigest(), size=len(blob)
    )
    monkeypatch.setitem(
        data_registry._REGISTRY, "usps-lookalike", dataclasses.replace(real, files=(pinned,))
    )
    with pytest.raises(DataError) as err:
        load_dataset("usps-lookalike", root=tmp_path / "data", download=False)
    msg = str(err.value)
    assert f"{path} 'test/target': the label at index 3 is nan" in msg
    assert "usps labels are integers 0..9" in msg and "kaggle.com" in msg
