"""Running the reproductions of `learnlab reproduce NAME ... | --all`, N at a time, each in a
process of its own: `learnlab reproduce NAME --run-dir DIR` (or `--resume DIR`).

Processes rather than threads or a pool: each reproduction gets its own torch thread count
(set in its environment before torch starts), a crash or an out-of-memory kill of one ends
only that one (the others and the page go on), and a child is exactly the command a person
would type to run that reproduction alone, so its run directory, index entry and report are
the same. A child's output goes to a log file (its last line is the reason shown when it
fails); the parent shows progress. Children die with the parent (Linux: PR_SET_PDEATHSIG), so
a killed `reproduce` leaves no orphan to compete with the next one; on Ctrl-C the parent
interrupts them, waits up to STOP_SECONDS, then kills what is left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

POLL_SECONDS = 0.2
STOP_SECONDS = 30.0  # how long interrupted children get to stop before they are killed
# exit statuses of a child stopped by Ctrl-C: learnlab's own, and death by SIGINT
INTERRUPTED = frozenset({130, -signal.SIGINT})


@dataclass
class Job:
    """One reproduction to run: its command, log file and expected seconds (None: unknown)."""

    name: str
    argv: list[str]
    log: Path
    expected: float | None
    process: subprocess.Popen | None = None
    started: float | None = None
    seconds: float | None = None  # once it ended
    returncode: int | None = None
    log_file: object = field(default=None, repr=False)

    @property
    def state(self) -> str:
        if self.returncode is not None:
            if self.returncode in INTERRUPTED:
                return "interrupted"
            return "done" if self.returncode == 0 else "failed"
        return "running" if self.process is not None else "waiting"

    def failure(self) -> str:
        """Why it failed: its exit status and the last line it wrote."""
        try:
            lines = [x.strip() for x in self.log.read_text(errors="replace").splitlines()]
        except OSError:
            lines = []
        last = next((x for x in reversed(lines) if x), "it wrote nothing")
        status = self.returncode
        killed = status is not None and status < 0
        how = f"killed by signal {-status}" if killed else f"exit {status}"
        return f"{how}: {last[:300]} (log: {self.log})"


def child_argv(name: str, run_dir: Path, resume: bool, quick: bool, sets: Sequence[str]):
    """`learnlab reproduce NAME --run-dir DIR` (or --resume DIR) [--quick] [--set ...]."""
    argv = [sys.executable, "-m", "learnlab", "reproduce", name]
    argv += ["--resume" if resume else "--run-dir", str(run_dir)]
    argv += ["--quick"] if quick else []
    for assignment in sets:
        argv += ["--set", assignment]
    return argv


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to kill the child when its parent dies (None elsewhere)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork
    parent = os.getpid()
    set_death_signal = 1  # PR_SET_PDEATHSIG

    def arrange() -> None:
        prctl(set_death_signal, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before the line above
            os._exit(1)

    return arrange


def _start(job: Job, env: Mapping[str, str], preexec) -> None:
    job.log.parent.mkdir(parents=True, exist_ok=True)
    job.log_file = log = open(job.log, "a", encoding="utf-8")  # noqa: SIM115 (closed at its end)
    log.write(f"== {time.strftime('%Y-%m-%d %H:%M:%S')}: {' '.join(job.argv)}\n")
    log.flush()
    job.process = subprocess.Popen(
        job.argv,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=dict(env),
        preexec_fn=preexec,
        start_new_session=True,  # Ctrl-C reaches the parent, which stops the children
    )
    job.started = time.monotonic()


def _reap(job: Job) -> bool:
    """Whether `job` ended (and record how)."""
    if job.process is None or job.returncode is not None:
        return False
    code = job.process.poll()
    if code is None:
        return False
    job.returncode = code
    job.seconds = time.monotonic() - (job.started or time.monotonic())
    job.log_file.close()
    return True


def stop(jobs: Sequence[Job], seconds: float = STOP_SECONDS) -> None:
    """Interrupt the running children, give them `seconds` to end, then kill the rest."""
    running = [j for j in jobs if j.process is not None and j.returncode is None]
    for job in running:
        job.process.send_signal(signal.SIGINT)
    deadline = time.monotonic() + seconds
    for job in running:
        try:
            job.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            job.process.kill()
            job.process.wait(timeout=seconds)
        _reap(job)


def run_jobs(
    jobs: Sequence[Job],
    parallel: int,
    env: Mapping[str, str],
    *,
    on_start: Callable[[Job], None],
    on_end: Callable[[Job], None],
    on_tick: Callable[[], None] = lambda: None,
) -> None:
    """Run `jobs` in their order, `parallel` at a time; `on_start(job)` is called before a
    job starts (to record its run directory), `on_end(job)` when it ends, `on_tick()` between
    polls. Ctrl-C stops the children (`stop`) and is raised again."""
    preexec = _die_with_parent()
    waiting = list(jobs)
    running: list[Job] = []
    try:
        while waiting or running:
            while waiting and len(running) < parallel:
                job = waiting.pop(0)
                on_start(job)
                _start(job, env, preexec)
                running.append(job)
            for job in [j for j in running if _reap(j)]:
                running.remove(job)
                on_end(job)
            on_tick()
            if running:
                time.sleep(POLL_SECONDS)
    except BaseException:
        stop(running)
        raise
