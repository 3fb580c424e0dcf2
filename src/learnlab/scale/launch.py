"""`learnlab train --nproc N`: the torchrun (torch.distributed.run) launch of N processes.

The command is handed to torchrun itself, run in this process: `--nproc-per-node N --nnodes M
--node-rank R --max-restarts 0 -m learnlab train ...`, each worker finding RANK, WORLD_SIZE
and LOCAL_RANK in its environment (learnlab.scale.distributed joins the group). On one machine
without `--master-port`, torchrun's c10d rendezvous takes a free port; with several machines
(or a given port) the static rendezvous listens on `--master-addr:--master-port` on node 0
and the other nodes wait for it at most $LEARNLAB_COLLECTIVE_TIMEOUT seconds. No restarts: a
rank that fails ends the run (torchrun stops the others), and this launcher exits 1 with a
message naming the rank, or 2 when the ranks refused the configuration.

Threads: each rank gets its share of the cores (OMP_NUM_THREADS = cores // N), unless
OMP_NUM_THREADS or LEARNLAB_THREADS is set. Only the standard library is imported here at
start-up; torch loads when a launch happens.
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import socket
from dataclasses import dataclass

from learnlab.io.errors import ConfigError, LearnlabError

WORKER_ENV = ("RANK", "WORLD_SIZE", "LOCAL_RANK")  # set by torchrun for each worker
DEFAULT_MULTI_NODE_PORT = 29500  # torchrun's
TIMEOUT_ENV = "LEARNLAB_COLLECTIVE_TIMEOUT"
DEFAULT_TIMEOUT_S = 300.0


class RankFailed(LearnlabError):
    """A rank of a multi-process run failed, or lost its peers; the whole run ends."""

    exit_code = 1


def collective_timeout() -> float:
    """Seconds a collective (or joining the group) may wait: $LEARNLAB_COLLECTIVE_TIMEOUT."""
    text = os.environ.get(TIMEOUT_ENV, "")
    if not text:
        return DEFAULT_TIMEOUT_S
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if seconds <= 0:
        raise ConfigError(f"{TIMEOUT_ENV}={text!r}: give a positive number of seconds, e.g. 120.")
    return seconds


@dataclass(frozen=True)
class LaunchPlan:
    nproc: int
    nnodes: int = 1
    node_rank: int = 0
    master_addr: str = "127.0.0.1"
    master_port: int | None = None


def add_launch_options(p: argparse.ArgumentParser) -> None:
    """`--nproc`, `--nnodes`, `--node-rank`, `--master-addr`, `--master-port`."""
    p.add_argument(
        "--nproc",
        type=int,
        help="train with N processes on this machine (torchrun, DistributedDataParallel: gloo "
        "on the CPU, nccl on GPUs); --batch-size stays the global batch",
    )
    p.add_argument("--nnodes", type=int, help="machines taking part (default 1)")
    p.add_argument("--node-rank", type=int, help="this machine's number, 0 to nnodes-1")
    p.add_argument("--master-addr", help="address of node 0 (several machines)")
    p.add_argument(
        "--master-port",
        type=int,
        help="port on node 0 (default: a free one on one machine, 29500 on several)",
    )


def started_by_torchrun() -> bool:
    """Whether torchrun started this process (then the launch options are already used)."""
    return all(name in os.environ for name in WORKER_ENV)


def plan_from_args(args: argparse.Namespace) -> LaunchPlan | None:
    """The launch the options ask for; None for a plain single process (or a process that
    torchrun started). Bad values are ConfigErrors naming the option."""
    given = [args.nproc, args.nnodes, args.node_rank, args.master_addr, args.master_port]
    if started_by_torchrun() or all(v is None for v in given):
        return None
    nproc = 1 if args.nproc is None else args.nproc
    nnodes = 1 if args.nnodes is None else args.nnodes
    if nproc < 1:
        raise ConfigError(
            f"--nproc {nproc}: give the number of processes on this machine, 1 or more "
            "(e.g. --nproc 2), or leave it out for one process."
        )
    if nnodes < 1:
        raise ConfigError(f"--nnodes {nnodes}: give the number of machines, 1 or more.")
    node_rank = 0 if args.node_rank is None else args.node_rank
    if not 0 <= node_rank < nnodes:
        raise ConfigError(f"--node-rank {node_rank}: give a number from 0 to {nnodes - 1}.")
    port = args.master_port
    if port is None and nnodes > 1:
        port = DEFAULT_MULTI_NODE_PORT
    if port is not None and not 1 <= port <= 65535:
        raise ConfigError(f"--master-port {port}: give a port from 1 to 65535.")
    plan = LaunchPlan(nproc, nnodes, node_rank, args.master_addr or "127.0.0.1", port)
    if nproc == 1 and nnodes == 1:
        return None  # one process: nothing to launch
    check_master(plan)
    return plan


def check_master(plan: LaunchPlan) -> None:
    """The master address resolves; on node 0 a given port is free there (ConfigError)."""
    try:
        socket.getaddrinfo(plan.master_addr, plan.master_port or 0)
    except (socket.gaierror, UnicodeError) as exc:
        raise ConfigError(
            f"--master-addr {plan.master_addr}: cannot resolve it ({exc}). Give the address "
            "or host name of node 0."
        ) from None
    if plan.master_port is None or plan.node_rank != 0:
        return
    try:
        with socket.create_server((plan.master_addr, plan.master_port)):
            pass
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"--master-port {plan.master_port} is in use on {plan.master_addr}. Choose "
                "another port, or leave --master-port out on one machine to take a free one."
            ) from None
        raise ConfigError(
            f"--master-addr {plan.master_addr}: node 0 (--node-rank 0) cannot listen there "
            f"({exc.strerror}); give an address of this machine."
        ) from None


def torchrun_args(plan: LaunchPlan, worker_argv: list[str], timeout_s: float) -> list[str]:
    """torchrun's command line for `python -m learnlab WORKER_ARGV` on each process."""
    args = [
        f"--nnodes={plan.nnodes}",
        f"--nproc-per-node={plan.nproc}",
        f"--node-rank={plan.node_rank}",
        "--max-restarts=0",
    ]
    if plan.master_port is not None:
        args += [
            f"--master-addr={plan.master_addr}",
            f"--master-port={plan.master_port}",
            f"--rdzv-conf=timeout={max(1, round(timeout_s))}",
        ]
    return [*args, "-m", "learnlab", *worker_argv]


def share_threads(nproc: int) -> None:
    """Each rank's share of the cores, unless the environment already says."""
    from learnlab.machine import usable_cores

    if "OMP_NUM_THREADS" not in os.environ and "LEARNLAB_THREADS" not in os.environ:
        os.environ["OMP_NUM_THREADS"] = str(max(1, usable_cores() // nproc))


def launch(plan: LaunchPlan, worker_argv: list[str]) -> int:
    """Run `learnlab WORKER_ARGV` on the plan's processes through torchrun; 0 when all ranks
    succeed, else RankFailed (exit 1) naming the failed rank, or exit 2 when every failed
    rank exited 2 (they printed why: a configuration they refused)."""
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.run import parse_args, run

    timeout = collective_timeout()
    share_threads(plan.nproc)
    try:
        run(parse_args(torchrun_args(plan, worker_argv, timeout)))
    except ChildFailedError as exc:
        codes = {failure.exitcode for failure in exc.failures.values()}
        if codes == {ConfigError.exit_code}:
            return ConfigError.exit_code
        raise RankFailed(failure_message(exc.failures, plan)) from None
    except Exception as exc:  # the rendezvous: node 0 unreachable, a port taken meanwhile
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise RankFailed(
            f"could not start the {plan.nnodes * plan.nproc} processes: {first[:300]}\n"
            f"(master {plan.master_addr}:{plan.master_port}, waited at most {timeout:.0f} s: "
            "check --master-addr and --master-port, and that node 0 is running)"
        ) from None
    return 0


def failure_message(failures: dict, plan: LaunchPlan) -> str:
    """One line per failed rank: its number, pid and exit code or signal."""
    lines = []
    for rank, failure in sorted(failures.items()):
        code = failure.exitcode
        how = f"exit code {code}"
        if code < 0:
            try:
                how = f"killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"killed by signal {-code}"
        lines.append(f"rank {rank} (pid {failure.pid}) ended: {how}")
    return (
        "\n".join(lines) + f"\nThe other ranks were stopped; the run of {plan.nproc} processes "
        "ended. Resume it from its last checkpoint with `learnlab train --resume RUN_DIR "
        f"--nproc {plan.nproc}`."
    )
