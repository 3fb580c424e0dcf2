"""Running a function on N local processes joined in one torch.distributed process group,
with every wait bounded and no process left behind.

The workers are forked where the system allows it (they start in milliseconds, with the
modules the parent imported), spawned elsewhere. The rendezvous is a FileStore in a private
temporary folder: no port to choose (gloo's own connections take free ones), and no server
thread in the parent, which a fork could copy in the middle of holding a lock (a TCPStore
served from the parent hung its forked workers now and then on a loaded machine). Each worker
joins the gloo group through it, runs
`fn(rank, world_size, *args)`, and writes what it returns to a file (torch.save), which the
parent reads once every worker has exited; a worker that raised, died or ran past the deadline
ends the whole run with a `WorkerFailed` (exit 1) naming it, and the others are terminated.
"""

from __future__ import annotations

import datetime
import signal
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from learnlab.io.errors import LearnlabError

# after a failure, how long the other workers get to end before they are terminated, then killed
GRACE_SECONDS = 2.0
# how gloo says that the process at the other end of a connection went away
PEER_FAILED = ("by peer", "Broken pipe", "remote worker", "Connection refused")


class WorkerFailed(LearnlabError):
    """A worker process raised, was killed, or did not finish in time; the others were
    stopped (here and in learnlab.scale.hogwild)."""

    exit_code = 1


def run_on_processes(
    fn: Callable[..., Any], world_size: int, args: tuple = (), timeout: float = 120.0
) -> list[Any]:
    """`[fn(rank, world_size, *args) for rank in range(world_size)]`, each call on its own
    process in one gloo process group (collectives time out after `timeout` seconds too).
    `fn` must be a module-level function (spawned workers import it by name)."""
    import torch.multiprocessing as mp

    with tempfile.TemporaryDirectory(prefix="learnlab-procs-") as folder:
        context = mp.start_processes(
            _worker,
            args=(fn, world_size, timeout, folder, args),
            nprocs=world_size,
            join=False,
            start_method=default_start_method(),
        )
        _join(context, timeout, Path(folder))
        return [_read(Path(folder), rank) for rank in range(world_size)]


def default_start_method() -> str:
    """fork where there is one: the workers inherit the modules the parent imported (torch,
    torch.distributed.pipelining: seconds each) instead of importing them again."""
    import multiprocessing

    return "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


def _join(context, timeout: float, folder: Path) -> None:
    """Wait for every worker, at most `timeout` seconds; on a failure or past the deadline,
    terminate them all and raise WorkerFailed naming each worker that failed and why."""
    from torch.multiprocessing import ProcessExitedException, ProcessRaisedException

    deadline = time.monotonic() + timeout
    try:
        while not context.join(timeout=_poll(deadline), grace_period=GRACE_SECONDS):
            if time.monotonic() > deadline:
                raise WorkerFailed(
                    f"the worker processes did not finish within {timeout:g} s and were "
                    "stopped; the machine may be overloaded: give them a longer timeout."
                )
    except (ProcessRaisedException, ProcessExitedException):
        raise WorkerFailed(_failures(context, folder)) from None
    finally:
        stop_processes(context.processes, GRACE_SECONDS)


def stop_processes(processes: list, grace: float) -> None:
    """Terminate every started worker still running, give each `grace` seconds to exit, then
    kill it; joined, so none is left behind."""
    for process in processes:
        if process.pid is not None and process.is_alive():
            process.terminate()
    for process in processes:
        if process.pid is None:
            continue
        process.join(grace)
        if process.is_alive():
            process.kill()
            process.join(grace)


def _poll(deadline: float) -> float:
    return max(0.05, min(1.0, deadline - time.monotonic()))


def _failures(context, folder: Path) -> str:
    """One line per failed worker: the last line of its traceback, or how it exited. Workers
    fail in a chain (a peer's closed connection, then the SIGTERM of the clean-up), so the
    likely first cause comes first: an error raised, then an exit, then those two."""
    failures = []
    for rank, process in enumerate(context.processes):
        error_file = folder / f"rank{rank}.error"
        if error_file.exists():
            message = error_file.read_text(encoding="utf-8").strip() or "no message"
            line = f"worker {rank} failed: {message}"
            failures.append((2 if any(m in line for m in PEER_FAILED) else 0, line))
        elif process.exitcode not in (0, None):
            line = (
                f"worker {rank} exited with code {process.exitcode} (killed by a signal when "
                "negative: out of memory, or stopped by hand?)"
            )
            failures.append((3 if process.exitcode == -signal.SIGTERM else 1, line))
    lines = [line for _, line in sorted(failures, key=lambda failure: failure[0])]
    return "the worker processes were stopped:\n" + "\n".join(lines)


def _worker(
    rank: int,
    fn: Callable[..., Any],
    world_size: int,
    timeout: float,
    folder: str,
    args: tuple,
) -> None:
    import torch
    import torch.distributed as dist

    from learnlab.scale.distributed import leave

    torch.set_num_threads(1)  # the workers share the cores; each takes one
    limit = datetime.timedelta(seconds=timeout)
    try:
        store = dist.FileStore(str(Path(folder) / "rendezvous"), world_size)
        store.set_timeout(limit)
        dist.init_process_group(
            "gloo", store=store, rank=rank, world_size=world_size, timeout=limit
        )
        try:
            torch.save(fn(rank, world_size, *args), Path(folder) / f"rank{rank}.pt")
            leave()  # together with the other ranks (why: its docstring)
        finally:
            if dist.is_initialized():  # fn raised
                dist.destroy_process_group()
    except BaseException as error:  # the parent names it (plain text: nothing to unpickle)
        last = traceback.format_exception_only(type(error), error)[-1].strip()
        (Path(folder) / f"rank{rank}.error").write_text(last, encoding="utf-8")
        raise


def _read(folder: Path, rank: int) -> Any:
    import torch

    path = folder / f"rank{rank}.pt"
    if not path.exists():
        raise WorkerFailed(f"worker {rank} exited without writing its result.")
    return torch.load(path, weights_only=True)  # tensors and plain containers only
