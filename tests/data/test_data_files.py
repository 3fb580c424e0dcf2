"""Finding, verifying and downloading data files; never touches the real user cache."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from learnlab.data import files
from learnlab.data.files import RemoteFile, cache_dir, fetch_file, search_locations
from learnlab.data.registry import DatasetSpec, build_dataset, get_dataset_spec
from learnlab.io.errors import DataError

LABELS = "mnist/t10k-labels-idx1-ubyte.gz"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """No $LEARNLAB_DATA, and a cache inside tmp_path."""
    # empty, not unset: no data folder, not even the one `make` recorded in the venv
    monkeypatch.setenv("LEARNLAB_DATA", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def labels_file() -> RemoteFile:
    return next(f for f in get_dataset_spec("mnist").files if f.path == LABELS)


def copy_labels(data_root: Path, folder: Path) -> Path:
    dest = folder / LABELS
    dest.parent.mkdir(parents=True)
    shutil.copyfile(data_root / LABELS, dest)
    return dest


def local_file(tmp_path: Path, content: bytes, name: str = "blob.bin") -> tuple[Path, RemoteFile]:
    src = tmp_path / "server" / name
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_bytes(content)
    remote = RemoteFile(
        path=f"testset/{name}",
        urls=(src.as_uri(),),
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
    )
    return src, remote


def test_cache_dir_follows_xdg(tmp_path, monkeypatch):
    assert cache_dir() == tmp_path / "xdg" / "learnlab" / "datasets"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "learnlab" / "datasets"


def test_lookup_order_root_then_env_then_cache(data_root, tmp_path, monkeypatch):
    remote = labels_file()
    in_cache = copy_labels(data_root, cache_dir())
    assert fetch_file(remote, download=False) == in_cache
    env = tmp_path / "env"
    in_env = copy_labels(data_root, env)
    monkeypatch.setenv("LEARNLAB_DATA", str(env))
    assert fetch_file(remote, download=False) == in_env
    root = tmp_path / "root"
    in_root = copy_labels(data_root, root)
    assert fetch_file(remote, root=root, download=False) == in_root
    # a root that lacks the file falls through to the next place
    assert fetch_file(remote, root=tmp_path / "empty", download=False) == in_env


def test_flipped_byte_is_reported_with_path_and_hashes(data_root, tmp_path):
    path = copy_labels(data_root, tmp_path / "root")
    blob = bytearray(path.read_bytes())
    blob[100] ^= 0x01
    path.write_bytes(bytes(blob))
    remote = labels_file()
    with pytest.raises(DataError) as err:
        fetch_file(remote, root=tmp_path / "root", download=False)
    msg = str(err.value)
    assert str(path) in msg
    assert remote.sha256 in msg
    assert hashlib.sha256(bytes(blob)).hexdigest() in msg
    assert "LEARNLAB_DATA" in msg
    assert "corrupt" in msg


def test_corrupt_root_file_is_not_skipped_for_a_good_copy_elsewhere(
    data_root, tmp_path, monkeypatch
):
    path = copy_labels(data_root, tmp_path / "root")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # truncated gzip
    monkeypatch.setenv("LEARNLAB_DATA", str(data_root))  # holds a good copy
    with pytest.raises(DataError, match="corrupt"):
        fetch_file(labels_file(), root=tmp_path / "root", download=False)
    with pytest.raises(DataError, match="corrupt"):
        build_dataset(get_dataset_spec("mnist"), root=tmp_path / "root", download=False)


def test_corrupt_cache_file_says_which_file_to_delete(data_root):
    path = copy_labels(data_root, cache_dir())
    path.write_bytes(b"not a gzip file")
    with pytest.raises(DataError, match=f"Delete {path}"):
        fetch_file(labels_file(), download=True)  # not silently re-downloaded either


def test_missing_file_lists_every_place_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_DATA", str(tmp_path / "env"))
    remote = labels_file()
    with pytest.raises(DataError) as err:
        fetch_file(remote, root=tmp_path / "root", download=False)
    msg = str(err.value)
    places = [tmp_path / "root" / LABELS, tmp_path / "env" / LABELS, cache_dir() / LABELS]
    positions = [msg.index(str(p)) for p in places]
    assert positions == sorted(positions)  # listed in lookup order
    assert remote.sha256 in msg and "download=False" in msg
    assert "https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz" in msg
    assert len(msg.splitlines()) < 12


def test_unset_places_are_listed_as_not_set():
    labels = [(loc.label, loc.folder) for loc in search_locations(None)]
    assert labels[0] == ("data_root", None)
    assert labels[1] == ("$LEARNLAB_DATA", None)
    with pytest.raises(DataError, match=r"(?s)data_root: \(not set\).*LEARNLAB_DATA"):
        fetch_file(labels_file(), download=False)


def test_file_without_urls_gives_instructions():
    usps = get_dataset_spec("usps").files[0]
    assert usps.urls == ()
    with pytest.raises(DataError, match="kaggle.com/datasets/bistaumanga/usps-dataset"):
        fetch_file(usps, download=True)


def test_download_verifies_and_lands_in_cache(tmp_path):
    _, remote = local_file(tmp_path, b"hello data" * 1000)
    got = fetch_file(remote, download=True)
    assert got == cache_dir() / remote.path
    assert got.read_bytes() == b"hello data" * 1000
    assert [p.name for p in got.parent.iterdir()] == ["blob.bin"]  # no temporary left over
    assert fetch_file(remote, download=False) == got  # found in the cache next time


def test_bad_download_leaves_nothing_and_tries_mirrors(tmp_path):
    src, remote = local_file(tmp_path, b"the right bytes")
    bad = tmp_path / "server" / "bad.bin"
    bad.write_bytes(b"the wrong bytes")
    only_bad = RemoteFile(remote.path, (bad.as_uri(),), remote.sha256, remote.size)
    with pytest.raises(DataError, match="checksum mismatch") as err:
        fetch_file(only_bad, download=True)
    assert bad.as_uri() in str(err.value)
    dest_dir = cache_dir() / "testset"
    assert not dest_dir.exists() or list(dest_dir.iterdir()) == []
    missing = (tmp_path / "server" / "missing.bin").as_uri()
    mirrors = RemoteFile(remote.path, (missing, bad.as_uri(), src.as_uri()), remote.sha256, 15)
    got = fetch_file(mirrors, download=True)
    assert got.read_bytes() == b"the right bytes"
    assert list(got.parent.iterdir()) == [got]


def test_download_through_a_spec_builds_the_dataset(tmp_path):
    _, remote = local_file(tmp_path, b"abc", name="tiny.txt")
    spec = DatasetSpec(
        name="test-only",
        description="",
        citation="",
        files=(remote,),
        build=lambda paths: paths[remote.path].read_bytes(),
    )
    assert build_dataset(spec) == b"abc"


def test_hash_is_remembered_until_size_or_mtime_changes(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"one")
    assert files.sha256_of(path) == hashlib.sha256(b"one").hexdigest()
    st = path.stat()
    path.write_bytes(b"owe")  # same size; put the old mtime back: the memo answers
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert files.sha256_of(path) == hashlib.sha256(b"one").hexdigest()
    path.write_bytes(b"two!")  # new size: hashed again
    assert files.sha256_of(path) == hashlib.sha256(b"two!").hexdigest()
