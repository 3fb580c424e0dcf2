"""Atomic file writes: readers see the old file or the new one, never a part of one.

Everything learnlab writes into a run directory (checkpoints, weights, reports, JSON) goes
through here, so a crash, even SIGKILL, never leaves a half-written file behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from learnlab.io.disk import disk_errors


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never a part.

    The bytes go to a temporary file in the same directory (same file system, so the rename is
    atomic), are flushed to disk, then `os.replace` puts them in place. On any failure the
    temporary file is removed and the previous `path`, if any, is untouched. A full disk or
    an unwritable folder raises learnlab.io.errors.ResourceError naming `path`.
    """
    path = Path(path)
    with disk_errors(path):
        _write_then_rename(path, data)
    fsync_dir(path.parent)


def _write_then_rename(path: Path, data: bytes) -> None:
    # mkstemp creates the file private (0600); a report is for reading, so keep the mode of the
    # file being replaced, or use the usual 0644.
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def fsync_dir(folder: Path) -> None:
    """Make a rename inside `folder` durable (POSIX only; best effort elsewhere)."""
    if hasattr(os, "O_DIRECTORY"):
        with contextlib.suppress(OSError):
            directory = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def remove_stale_temp_files(folder: Path) -> list[Path]:
    """Delete the temporary files that killed atomic writes left in `folder`; return them.

    A process killed (SIGKILL, power loss) between mkstemp and rename leaves its
    `.NAME.XXXXXXXX.tmp`. Nothing ever reads one, but a checkpoint-sized file per kill wastes
    disk. Call this only when no write into `folder` can be in flight (a run directory when
    its run starts or resumes).
    """
    import re

    pattern = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")  # what atomic_write_bytes's mkstemp makes
    removed = []
    for entry in Path(folder).iterdir():
        if pattern.fullmatch(entry.name) and entry.is_file():
            entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed
