"""Finding, downloading and verifying the files a data set is built from.

Each file is named by a path relative to a data folder ("mnist/train-images-idx3-ubyte.gz",
the layout of the shared data folder) and pinned by its SHA-256. `fetch_file` looks for it in
order in:

1. the `root` argument, if given (`--set data_root=<folder>` on the command line);
2. the folder named by `$LEARNLAB_DATA`; when the variable is unset, the folder that the set-up
   recorded for this Python environment (`make` writes it into `<venv>/learnlab-data.txt`, so
   that a fresh shell using `.venv/bin/learnlab` finds the data the Makefile found); set to
   the empty string, no folder at all (tests use that to see an empty machine);
3. the user cache, `$XDG_CACHE_HOME/learnlab/datasets` (default `~/.cache/learnlab/datasets`);
4. if `download=True`: the file's URLs, mirrors in order, into the user cache.

The record is the default of `$LEARNLAB_DATA` rather than a place of its own: one setting,
whose per-environment default a shell can override (or switch off) for one command.

A file that is found is hashed before use (once per process per path, size and mtime); a file
whose hash is wrong is an error wherever it lies, never skipped or silently replaced, so that a
corrupt copy the user pointed at is reported. A download streams into a temporary file beside
its destination, is verified, fsynced and renamed into place, so a failed or corrupt download
leaves nothing behind; the part file of a download killed outright has another name than the
data file, so it is never mistaken for it, and the next download removes it.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import http.client
import logging
import os
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from learnlab.io.atomic import fsync_dir
from learnlab.io.errors import DataError, DataNotFound

log = logging.getLogger(__name__)

ENV_VAR = "LEARNLAB_DATA"
# in the Python environment's prefix (the venv folder): the data folder found at set-up
RECORD_FILE = "learnlab-data.txt"
_CHUNK = 1 << 20
_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class RemoteFile:
    """A data file: where it lives relative to a data folder, where to download it, its hash.

    `urls` lists the canonical download locations, primary first, mirrors after; it is empty
    for a file that cannot be downloaded without a login, and then `instructions` says how to
    obtain it by hand.
    """

    path: str
    urls: tuple[str, ...]
    sha256: str
    size: int
    instructions: str = ""


@dataclass(frozen=True)
class Location:
    """One place looked in: a data folder (None when not configured) and what it is."""

    label: str
    folder: Path | None


def cache_dir() -> Path:
    """The user cache for data sets: `$XDG_CACHE_HOME/learnlab/datasets` or `~/.cache/...`."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "learnlab" / "datasets"


def record_file() -> Path:
    """Where the set-up records the data folder of this Python environment."""
    return Path(sys.prefix) / RECORD_FILE


def recorded_data_folder() -> Path | None:
    """The data folder recorded by the set-up for this Python environment, if any: the first
    line of `record_file()`."""
    try:
        lines = record_file().read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return Path(lines[0].strip()).expanduser() if lines and lines[0].strip() else None


def _env_location() -> Location:
    """`$LEARNLAB_DATA`; unset, the recorded folder; empty, none."""
    env = os.environ.get(ENV_VAR)
    if env is None and (recorded := recorded_data_folder()) is not None:
        return Location(f"${ENV_VAR} unset, so the folder recorded in {record_file()}", recorded)
    return Location(f"${ENV_VAR}", Path(env).expanduser() if env else None)


def search_locations(root: str | Path | None = None) -> list[Location]:
    """The data folders looked in, in order (unset ones included, so messages can list them)."""
    return [
        Location("data_root", Path(root).expanduser() if root is not None else None),
        _env_location(),
        Location("user cache", cache_dir()),
    ]


# (resolved path, size, mtime_ns, inode) -> hex digest; hashing 26 MB costs ~50 ms.
_hash_memo: dict[tuple[str, int, int, int], str] = {}


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, remembered for this process while its size and mtime are unchanged."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ino)
    digest = _hash_memo.get(key)
    if digest is None:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            while chunk := f.read(_CHUNK):
                h.update(chunk)
        digest = h.hexdigest()
        _hash_memo[key] = digest
    return digest


def fetch_file(remote: RemoteFile, root: str | Path | None = None, download: bool = True) -> Path:
    """Local path of a verified copy of `remote`, downloading it into the cache if allowed.

    Raises DataError when the file is corrupt where it was found, or missing everywhere and
    cannot be downloaded; the message lists every place looked and how to provide the file.

    >>> fetch_file(RemoteFile("mnist/t10k-labels-idx1-ubyte.gz", (), "f7ae...", 4542),
    ...            root="/data", download=False)  # doctest: +SKIP
    PosixPath('/data/mnist/t10k-labels-idx1-ubyte.gz')
    """
    locations = search_locations(root)
    for i, loc in enumerate(locations):
        if loc.folder is None:
            continue
        candidate = loc.folder / remote.path
        if candidate.is_file():
            _verify(remote, candidate, loc, locations[: i + 1])
            return candidate
    if not download:
        why = "downloading is off (--set download=false; in Python, download=False)"
        raise DataNotFound(_missing_message(remote, locations, why, offer_download=True))
    if not remote.urls:
        raise DataNotFound(_missing_message(remote, locations, "it has no public download URL"))
    return download_file(remote, cache_dir(), locations)


def download_file(
    remote: RemoteFile, folder: Path, locations: list[Location] | None = None
) -> Path:
    """Download `remote` to `folder / remote.path`, trying its URLs in order; atomic, verified."""
    dest = folder / remote.path
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DataError(
            f"Cannot create the download folder {dest.parent} ({e}). Set XDG_CACHE_HOME to a "
            f"writable folder, or put the file at <folder>/{remote.path} and {_point_at()}."
        ) from e
    failures = []
    for url in remote.urls:
        log.info("downloading %s from %s", remote.path, url)
        try:
            _download_verified(url, remote, dest)
            return dest
        except (OSError, ValueError, http.client.HTTPException) as e:  # URLError is an OSError
            failures.append(f"  - {url}: {e}")
            log.info("download of %s from %s failed: %s", remote.path, url, e)
    why = "every download failed:\n" + "\n".join(failures)
    raise DataNotFound(_missing_message(remote, locations or search_locations(), why))


def _remove_stale_parts(dest: Path) -> None:
    """Delete temporary files of earlier downloads of `dest` that were killed (SIGKILL, power
    loss) before they could clean up. A live download writes at least every `_TIMEOUT_S`
    (or times out), so a part file untouched for twice that long belongs to a dead process.
    Part files never have the destination's name, so they are never taken for the data."""
    cutoff = time.time() - 2 * _TIMEOUT_S
    for part in dest.parent.glob(f".{glob.escape(dest.name)}.*.part"):
        with contextlib.suppress(OSError):  # gone already, or not ours to delete
            if part.stat().st_mtime < cutoff:
                part.unlink()
                log.info("removed %s, left by an interrupted download", part)


def _download_verified(url: str, remote: RemoteFile, dest: Path) -> None:
    """Stream `url` into a temporary file beside `dest`; rename into place only if it verifies."""
    _remove_stale_parts(dest)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        h = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=_TIMEOUT_S) as resp:
            declared = resp.headers.get("Content-Length", "")
            while chunk := resp.read(_CHUNK):
                h.update(chunk)
                out.write(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        # read(n) returns what came before the connection closed, without an error
        if declared.isdigit() and size != int(declared):
            raise ValueError(
                f"interrupted download: the connection closed after {size:,} of "
                f"{int(declared):,} bytes"
            )
        if h.hexdigest() != remote.sha256:
            raise ValueError(
                f"checksum mismatch: got SHA-256 {h.hexdigest()} ({size:,} bytes), "
                f"expected {remote.sha256} ({remote.size:,} bytes)"
            )
        os.replace(tmp, dest)
        fsync_dir(dest.parent)
    finally:
        tmp.unlink(missing_ok=True)


def _verify(remote: RemoteFile, path: Path, loc: Location, looked: list[Location]) -> None:
    """Raise DataError unless `path` has the expected hash; `looked`: places looked so far."""
    actual = sha256_of(path)
    if actual == remote.sha256:
        return
    size = path.stat().st_size
    if loc.label == "user cache":
        fix = f"Delete {path} and run again to download it afresh."
    else:
        fix = f"Replace {path} with a good copy, or delete it."
    raise DataError(
        f"Data file {remote.path} is corrupt: {path} (found via {loc.label}).\n"
        f"  expected SHA-256 {remote.sha256} ({remote.size:,} bytes)\n"
        f"  actual   SHA-256 {actual} ({size:,} bytes)\n"
        f"{fix}\n{_how_to_provide(remote)}\n"
        f"Places looked, in order:\n{_list_locations(remote, looked)}"
    )


def _missing_message(
    remote: RemoteFile, locations: list[Location], why: str, offer_download: bool = False
) -> str:
    return (
        f"Data file {remote.path} ({remote.size:,} bytes, SHA-256 {remote.sha256}) "
        f"was not found.\nPlaces looked, in order:\n{_list_locations(remote, locations)}\n"
        f"Not downloaded: {why}\n{_how_to_provide(remote, offer_download)}"
    )


def _list_locations(remote: RemoteFile, locations: list[Location]) -> str:
    lines = []
    for i, loc in enumerate(locations, 1):
        where = str(loc.folder / remote.path) if loc.folder is not None else "(not set)"
        lines.append(f"  {i}. {loc.label}: {where}")
    return "\n".join(lines)


def _how_to_provide(remote: RemoteFile, offer_download: bool = False) -> str:
    if remote.urls:
        source = "download it from " + " or ".join(remote.urls)
    else:
        source = remote.instructions or "obtain a copy"
    text = f"To provide it: {source}; put it at <folder>/{remote.path} and {_point_at()}"
    if remote.urls and offer_download:
        text += f"; or allow downloading (--set download=true) to fetch it into {cache_dir()}"
    return text + "."


def _point_at() -> str:
    """How to name a data folder: the command line's ways first, then Python's argument."""
    return (
        f"set {ENV_VAR}=<folder> or pass --set data_root=<folder> "
        "(in Python: load_dataset(name, root=<folder>) or TrainConfig(data_root=<folder>))"
    )
