"""One writer per run directory: a claim held for the run's life.

A run (`learnlab train`, a recipe, a search, the page of `reproduce --all`) claims what it
writes before it writes anything: an exclusive `flock` (LOCK_EX | LOCK_NB) on a lock file
(`.learnlab.lock` in a run directory, `.NAME.lock` beside a page). The kernel drops the lock
when the process dies, SIGKILL included, so a killed run's directory can be resumed at once:
the lock file it left behind is stale and simply taken over. The holder writes its PID, host,
start time and command line into the file, so a second claimant is refused (a ClaimRefused,
exit 2) with a message naming the process that holds it and what to do.

A clean release deletes the lock file (a finished run directory holds only its run's files).
Deleting races with a claimant that opened the old file just before: every claim therefore
checks, once locked, that the path still names the file it locked, and tries again if not.

Workers of one search share their search directory (`claim_search_dir`): the lock is shared
(LOCK_SH) between claimants with the same key (storage and study), exclusive against any
other; a flock on the directory itself serialises the check of who holds it.

A multi-process run claims once, in one process (rank 0): `with claim_run_dir(path, fresh):`.
The lock lives on an open file description: a process forked while holding it shares it
until both have closed it (subprocesses started by Python do not inherit it).

Example:
    >>> with claim_run_dir(Path("runs/exp1"), fresh=True):  # doctest: +SKIP
    ...     train_into("runs/exp1")
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shlex
import socket
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from learnlab.io.disk import disk_errors
from learnlab.io.errors import ConfigError
from learnlab.runs.directory import CLAIM_FILE, choose_run_dir, refuse_files

GATE_SECONDS = 10.0  # the directory's gate is held for milliseconds; waiting longer is a bug


class ClaimRefused(ConfigError):
    """Another live process holds the claim (exit 2: the user started two writers)."""


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) a claim, as its lock file records it."""

    pid: int
    host: str
    since: float  # unix time the claim was taken
    command: str = ""
    key: str = ""  # shared claims: what the sharers have in common (a search's study)

    @classmethod
    def here(cls, key: str = "") -> Holder:
        command = (
            shlex.join(["learnlab", *sys.argv[1:]])
            if sys.argv[0].endswith(("learnlab", "__main__.py"))
            else shlex.join(sys.argv)
        )
        return cls(os.getpid(), socket.gethostname(), time.time(), command, key)

    def describe(self) -> str:
        since = datetime.fromtimestamp(self.since).strftime("%Y-%m-%d %H:%M:%S")
        line = f"process {self.pid} on host {self.host}, since {since}"
        return f"{line} ({self.command})" if self.command else line


def read_holder(lock_path: Path) -> Holder | None:
    """The holder recorded in `lock_path`; None when there is none (or it is being written)."""
    for _ in range(20):  # the holder writes its record just after locking: wait for it
        try:
            record = json.loads(Path(lock_path).read_text(encoding="utf-8") or "null")
        except (OSError, json.JSONDecodeError, UnicodeDecodeError):
            record = None
        if isinstance(record, dict):
            try:
                return Holder(**record)
            except TypeError:
                return None  # not learnlab's record
        time.sleep(0.05)
    return None


class Claim:
    """An exclusive (or, with a `key`, shared among equal keys) claim on `lock_path`.

    `what` names the thing claimed in messages ("run directory runs/x") and `advice` says
    what to do when another process holds it. Use it as a context manager, or `acquire()`
    and `release()`; `acquire` raises ClaimRefused naming the holder."""

    def __init__(self, lock_path: Path, *, what: str, advice: str, key: str | None = None):
        self.lock_path = Path(lock_path)
        self.what, self.advice, self.key = what, advice, key
        self.holder: Holder | None = None
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> Claim:
        if self.held:
            raise RuntimeError(f"{self.what} is claimed by this object already")
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        if self.key is None:
            self._fd = self._lock_current_file(fcntl.LOCK_EX)
            self._record(Holder.here())
        else:
            with _gate(self.lock_path.parent):
                self._acquire_shared()
        return self

    def release(self) -> None:
        """Give the claim up; the last holder deletes the lock file."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            if self.key is None:
                self.lock_path.unlink(missing_ok=True)  # while still locked: see the docstring
            else:
                with _gate(self.lock_path.parent):
                    if _try_lock(fd, fcntl.LOCK_EX):  # no other sharer left
                        self.lock_path.unlink(missing_ok=True)
        finally:
            os.close(fd)

    def __enter__(self) -> Claim:
        return self if self.held else self.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def _lock_current_file(self, mode: int) -> int:
        """Open and lock the file that `lock_path` names now (see the module docstring)."""
        while True:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            if not _try_lock(fd, mode):
                os.close(fd)
                raise self._refused()
            try:
                current = os.stat(self.lock_path).st_ino
            except FileNotFoundError:
                current = None
            if current == os.fstat(fd).st_ino:
                return fd
            os.close(fd)  # released and deleted in between: lock the new file

    def _acquire_shared(self) -> None:
        """Under the gate: alone -> record ourselves, then share; else join equal keys."""
        try:
            fd = self._lock_current_file(fcntl.LOCK_EX)
        except ClaimRefused:
            holder = read_holder(self.lock_path)
            if holder is None or holder.key != self.key:
                raise
            fd = os.open(self.lock_path, os.O_RDWR)
            if not _try_lock(fd, fcntl.LOCK_SH):
                os.close(fd)
                raise
            self._fd, self.holder = fd, holder
            return
        self._fd = fd
        self._record(Holder.here(self.key or ""))
        fcntl.flock(fd, fcntl.LOCK_SH)  # safe: every claimant waits at the gate

    def _record(self, holder: Holder) -> None:
        assert self._fd is not None
        data = json.dumps(holder.__dict__).encode("utf-8")
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, data, 0)
        self.holder = holder

    def _refused(self) -> ClaimRefused:
        holder = read_holder(self.lock_path)
        who = holder.describe() if holder else "another process (it recorded no details)"
        shared = f" for {holder.key}" if holder and holder.key else ""
        return ClaimRefused(
            f"{self.what} is in use{shared}: held by {who}.\n{self.advice}\n"
            f"(the claim is the lock on {self.lock_path}; it ends when that process ends)"
        )


def _try_lock(fd: int, mode: int) -> bool:
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class _gate:
    """An exclusive flock on a directory, held for the few system calls of a shared claim."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def __enter__(self) -> None:
        self.fd = os.open(self.directory, os.O_RDONLY)
        deadline = time.monotonic() + GATE_SECONDS
        while not _try_lock(self.fd, fcntl.LOCK_EX):
            if time.monotonic() > deadline:
                os.close(self.fd)
                raise TimeoutError(f"{self.directory} stayed locked for {GATE_SECONDS} s")
            time.sleep(0.01)

    def __exit__(self, *exc_info: object) -> None:
        os.close(self.fd)


class RunDirClaim(Claim):
    """A run directory's claim; a fresh run's directory is created by it (and removed again
    on release when the run wrote nothing into it)."""

    def __init__(self, run_dir: Path, *, fresh: bool, command: str) -> None:
        run_dir = Path(run_dir)
        if fresh:
            advice = "Wait for it to finish, stop it (kill PID), or choose another --run-dir."
        else:
            advice = (
                f"It is still running: wait for it to end (or stop it), then {command} "
                f"--resume {run_dir} again if it did not finish."
            )
        super().__init__(run_dir / CLAIM_FILE, what=f"run directory {run_dir}", advice=advice)
        self.run_dir, self.fresh = run_dir, fresh
        self._created = False

    def acquire(self) -> RunDirClaim:
        if self.run_dir.exists() and not self.run_dir.is_dir():
            raise ConfigError(f"{self.run_dir} exists and is not a directory.")
        if not self.fresh and not self.run_dir.is_dir():
            raise ConfigError(f"--resume {self.run_dir}: no such run directory.")
        self._created = self.fresh and not self.run_dir.exists()
        with disk_errors(self.run_dir, "creating files in"):  # a read-only folder, a full disk
            super().acquire()
        if self.fresh:
            try:
                refuse_files(self.run_dir)  # now that no other run can start writing here
            except ConfigError:
                self.release()
                raise
        return self

    def release(self) -> None:
        was_held = self.held
        super().release()
        if was_held and self._created:
            with contextlib.suppress(OSError):  # unless it holds the run's files:
                self.run_dir.rmdir()  # the run never got to write; leave nothing behind


def claim_run_dir(run_dir: Path, *, fresh: bool, command: str = "learnlab train") -> Claim:
    """The claim of `run_dir` for a run that starts there (`fresh`: the directory must hold
    no files, checked once claimed) or resumes there; `command` is how the user resumes it
    (for the message). Acquire it with `with`."""
    return RunDirClaim(run_dir, fresh=fresh, command=command)


def claim_new_run_dir(
    label: str, run_dir: Path | str | None = None, *, command: str = "learnlab train"
) -> RunDirClaim:
    """Choose a fresh run's directory (`choose_run_dir`) and claim it: the claim is held on
    return. A given `run_dir` that another run holds is refused naming that run (before its
    files are counted); a default one that a run started at the same moment took is passed
    over for the next free name."""
    while True:
        path = Path(run_dir) if run_dir is not None else choose_run_dir(label)
        claim = RunDirClaim(path, fresh=True, command=command)
        try:
            return claim.acquire()
        except ConfigError:  # held or holding files: someone else's directory
            if run_dir is not None:
                raise


def claim_page(page: Path) -> Claim:
    """The claim of a page that one command writes (`reproduce --all`'s), by a lock file
    beside it."""
    page = Path(page)
    return Claim(
        page.parent / f".{page.name}.lock",
        what=f"the page {page}",
        advice="Wait for that command to finish, or give this one another --page.",
    )


def claim_search_dir(search_dir: Path, key: str) -> Claim:
    """The claim of a search directory's files (its report, its trials' directories): shared
    by the workers of one study (`key`: storage and study name), refused to any other."""
    return Claim(
        Path(search_dir) / CLAIM_FILE,
        what=f"search directory {search_dir}",
        advice="Workers of one study may share a search directory; give this search its own "
        "--search-dir (or the same --storage and --study as the running one).",
        key=key,
    )
