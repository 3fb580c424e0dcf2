"""Disk faults as clear errors: a full disk or an unwritable folder becomes a ResourceError.

An OSError from a write says little ("[Errno 28] No space left on device", often without the
file's name, since `write` does not know it). `disk_errors(path)` wraps the code that writes
`path` and turns the errors the user can fix (ENOSPC, EDQUOT, EROFS, EACCES, EPERM) into a
`ResourceError` naming the file and what to do; any other OSError passes through unchanged.
The atomic writer (learnlab.io.atomic) uses it, so every run file gets it in one place;
`learnlab.cli.main` translates the same errors raised elsewhere (a folder that cannot be
created) with `resource_error`.

    >>> with disk_errors(Path("run/model.safetensors")):  # doctest: +SKIP
    ...     write_the_file()
"""

from __future__ import annotations

import contextlib
import errno
import tempfile
from collections.abc import Iterator
from pathlib import Path

from learnlab.io.errors import ResourceError

# errno -> (what happened, what to do)
_FULL = "free space or choose another --run-dir"
_UNWRITABLE = "choose a writable --run-dir (or make this one writable)"
_PERMISSION = "check its permissions, or choose a writable --run-dir"
REMEDIES: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("no space left on device", _FULL),
    errno.EDQUOT: ("disk quota exceeded", _FULL),
    errno.EFBIG: ("file too large for the file system", _FULL),
    errno.EROFS: ("read-only file system", _UNWRITABLE),
    errno.EACCES: ("permission denied", _PERMISSION),
    errno.EPERM: ("operation not permitted", _PERMISSION),
}


def resource_error(exc: OSError, path: str | Path | None, action: str = "writing"):
    """The ResourceError for `exc` raised while `action` `path`, or None when `exc` is not a
    fault of the disk or of permissions (then the caller re-raises it as it is)."""
    remedy = REMEDIES.get(exc.errno) if isinstance(exc, OSError) else None
    if remedy is None:
        return None
    what, todo = remedy
    where = f" while {action} {path}" if path is not None else ""
    return ResourceError(f"{what}{where}; {todo}.")


@contextlib.contextmanager
def disk_errors(path: str | Path, action: str = "writing") -> Iterator[None]:
    """Turn a disk fault raised inside the block into a ResourceError naming `path`."""
    try:
        yield
    except OSError as exc:
        error = resource_error(exc, path, action)
        if error is None:
            raise
        raise error from exc


def check_writable(folder: str | Path) -> None:
    """Raise a ResourceError now if files cannot be created in `folder` (or, when it does not
    exist yet, in its nearest existing parent), so that a run fails before it starts.

    A probe file is created and removed at once: permission bits do not stop root, and only a
    real write tells a read-only mount apart."""
    folder = Path(folder)
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    with disk_errors(folder, "creating files in"), tempfile.TemporaryFile(dir=existing):
        pass
