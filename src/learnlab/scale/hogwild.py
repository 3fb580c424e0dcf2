"""Hogwild!: asynchronous SGD, workers updating parameters in shared memory without locks.

Recht, Re, Wright & Niu (2011), "Hogwild!: a lock-free approach to parallelizing stochastic
gradient descent" (NeurIPS). Each worker process reads the shared parameters, computes a
gradient on its own mini-batch and writes its SGD step straight into them, with no lock: a
step may be computed from parameters that another worker changed meanwhile. The paper shows
that when updates rarely collide (sparse problems) this converges at nearly the rate of serial
SGD while using every core; a dense MLP collides on every step, so here the question is only
whether the staleness costs accuracy (lecture L4: "noisier parameter updates, but faster overall
progress").

`train_hogwild(model, x, y, workers=W, ...)`: the model's tensors move to shared memory
(`model.share_memory()`); worker w trains on the disjoint shard `x[w::W]` (so the W shards
partition the data and `epochs` passes over them process exactly as many examples as `epochs`
synchronous epochs), its batches drawn by a TensorLoader seeded `seed + w`, with its own
`torch.optim.SGD` (no momentum: no state to share) on one torch thread (W workers on W cores;
more threads each would only fight over them). The learning rate backs off by `lr_decay`
after each epoch, as in the paper's experiments (the synchronous run the same). With one
worker this is plain SGD with the Trainer's data order, bit for bit (`train_synchronous` is
that Trainer run). With several, the order in which steps land depends on the scheduler: the
run is not deterministic.

Workers report (examples done, mean loss since the last report) through a queue; the parent
waits with a timeout, copies the shared weights at every `snapshot_every` examples (read while
the workers write, as any Hogwild read; evaluated after the run, so that evaluation takes no
time from the workers) and, when a worker dies or
the run passes `timeout` seconds, stops the others (terminate, then kill) and raises
`WorkerFailed` naming the worker: no process is left behind, no wait is unbounded.

Start method: "fork" by default (Linux). A forked worker starts in milliseconds and inherits
the data set copy-on-write, while "spawn" imports torch again in every worker (seconds each on
a loaded 2-core machine, longer than a whole quick run) and pickles the data through shared
memory files. Fork's risk, a lock held by another thread of the parent at the moment of the
fork, is kept small: the workers use only torch on one thread and the queue. "spawn" and
"forkserver" give the same SGD (a slow test checks it) where fork is missing or unwanted.
"""

from __future__ import annotations

import math
import queue as queue_module
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from learnlab.io.errors import ConfigError
from learnlab.machine import usable_cores
from learnlab.scale.processes import WorkerFailed, default_start_method, stop_processes

START_METHODS = ("fork", "spawn", "forkserver")
# how often the parent looks at the workers while no message comes (seconds)
POLL_SECONDS = 0.2
# how long a dead worker's last messages (already flushed when it exited) may take to arrive
DEAD_GRACE_SECONDS = 1.0
# how long a worker stopped by terminate() gets to exit before it is killed
STOP_SECONDS = 5.0


@dataclass(frozen=True)
class Snapshot:
    """The weights after `examples` examples (all workers together), `seconds` into the run."""

    examples: int
    seconds: float
    state: dict[str, Tensor]


@dataclass
class TrainingTrace:
    """What a run did: examples processed (each worker's), wall seconds, the training loss
    reported along the way as (examples, seconds, loss), and the weight snapshots."""

    workers: int  # 0: synchronous (the Trainer in this process)
    examples: int
    seconds: float
    cpu_seconds: float = 0.0  # this process's and its workers' (user + system)
    worker_examples: list[int] = field(default_factory=list)
    losses: list[tuple[int, float, float]] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)

    @property
    def examples_per_second(self) -> float:
        return self.examples / self.seconds if self.seconds > 0 else math.nan


def check_hogwild_settings(
    workers: int, lr: float, max_workers: int | None = None, lr_decay: float = 1.0
) -> None:
    """ConfigError naming the argument when `workers` is not in 1..cores, `lr` <= 0 or
    `lr_decay` outside (0, 1]."""
    cores = max_workers if max_workers is not None else usable_cores()
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= cores:
        raise ConfigError(
            f"workers must be an integer from 1 to {cores} (the cores this process may use: "
            f"one worker per core), got {workers!r}; choose fewer workers."
        )
    if not isinstance(lr, int | float) or not lr > 0 or not math.isfinite(lr):
        raise ConfigError(f"lr must be a finite number > 0, got {lr!r}; e.g. lr=0.05.")
    if not isinstance(lr_decay, int | float) or not 0 < lr_decay <= 1:
        raise ConfigError(
            f"lr_decay (the learning rate's factor per epoch) must be in (0, 1], got "
            f"{lr_decay!r}; 1 keeps it constant."
        )


def _cpu_seconds() -> float:
    """User and system CPU seconds of this process and of its children that have ended."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _copy_state(model: nn.Module) -> dict[str, Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


class _Snapshots:
    """Copies of the weights at every `every` examples (the first at 0, the last at the end)."""

    def __init__(self, model: nn.Module, every: int | None, start: float) -> None:
        self.model, self.every, self.start = model, every, start
        self.taken: list[Snapshot] = [Snapshot(0, 0.0, _copy_state(model))]

    def update(self, examples: int) -> None:
        if self.every and examples >= self.taken[-1].examples + self.every:
            self.take(examples)

    def take(self, examples: int) -> None:
        self.taken.append(
            Snapshot(examples, time.perf_counter() - self.start, _copy_state(self.model))
        )


class _Recorder:
    """Trainer callback: counts examples, keeps the loss every `report_every` batches and the
    snapshots (the synchronous run's trace, measured the way the workers measure theirs)."""

    order = 80

    def __init__(self, snapshots: _Snapshots, report_every: int) -> None:
        self.snapshots, self.report_every = snapshots, report_every
        self.examples, self.losses, self._sum, self._count = 0, [], 0.0, 0

    def after_batch(self, trainer: Any) -> None:
        self.examples += len(trainer.batch[1])
        self._sum += float(trainer.loss.detach())
        self._count += 1
        if self._count == self.report_every:
            seconds = time.perf_counter() - self.snapshots.start
            self.losses.append((self.examples, seconds, self._sum / self._count))
            self._sum, self._count = 0.0, 0
        self.snapshots.update(self.examples)


def train_synchronous(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    *,
    lr: float,
    batch_size: int,
    epochs: int,
    seed: int,
    lr_decay: float = 1.0,
    snapshot_every: int | None = None,
    report_every: int = 50,
) -> TrainingTrace:
    """The baseline: the Trainer in this process, SGD at `lr * lr_decay**epoch`, batches from
    a TensorLoader seeded `seed` (the data order of a one-worker Hogwild run)."""
    from learnlab.data.loader import TensorLoader
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.train.trainer import Trainer

    check_hogwild_settings(1, lr, max_workers=1, lr_decay=lr_decay)
    cpu = _cpu_seconds()
    start = time.perf_counter()
    recorder = _Recorder(_Snapshots(model, snapshot_every, start), report_every)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loader = TensorLoader(x, y, batch_size=batch_size, seed=seed)
    steps_per_epoch = len(loader)
    # the schedule counts steps; the factor is the workers' own, decay**epoch
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_decay ** (step // steps_per_epoch)
    )
    trainer = Trainer(model, CrossEntropy(), optimizer, schedule=schedule, callbacks=[recorder])
    trainer.fit(loader, epochs=epochs)
    seconds = time.perf_counter() - start
    if recorder.snapshots.taken[-1].examples != recorder.examples:
        recorder.snapshots.take(recorder.examples)
    return TrainingTrace(
        0,
        recorder.examples,
        seconds,
        _cpu_seconds() - cpu,
        [recorder.examples],
        recorder.losses,
        recorder.snapshots.taken,
    )


def _worker(
    rank: int,
    workers: int,
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    settings: dict[str, Any],
    messages: Any,
) -> None:
    """One Hogwild worker: plain SGD steps written into the shared parameters."""
    try:
        from learnlab.data.loader import TensorLoader
        from learnlab.objectives.supervised import CrossEntropy

        torch.set_num_threads(1)
        torch.manual_seed(settings["seed"] + rank)  # any randomness of the model (dropout)
        loader = TensorLoader(
            x[rank::workers],
            y[rank::workers],
            batch_size=settings["batch_size"],
            seed=settings["seed"] + rank,
        )
        optimizer = torch.optim.SGD(model.parameters(), lr=settings["lr"])
        objective = CrossEntropy()
        done, loss_sum, batches = 0, 0.0, 0
        for epoch in range(settings["epochs"]):
            for group in optimizer.param_groups:  # the paper's step-size back-off per epoch
                group["lr"] = settings["lr"] * settings["lr_decay"] ** epoch
            for batch in loader:
                loss, _ = objective(model, batch)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                done += len(batch[1])
                loss_sum, batches = loss_sum + float(loss.detach()), batches + 1
                if batches == settings["report_every"]:
                    messages.put(("progress", rank, done, loss_sum / batches))
                    loss_sum, batches = 0.0, 0
        messages.put(("done", rank, done, loss_sum / batches if batches else math.nan))
    except BaseException:  # noqa: BLE001 - any failure is reported, then the worker exits
        messages.put(("failed", rank, 0, traceback.format_exc()))
        raise SystemExit(1) from None


def train_hogwild(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    *,
    workers: int,
    lr: float,
    batch_size: int,
    epochs: int,
    seed: int,
    lr_decay: float = 1.0,
    snapshot_every: int | None = None,
    report_every: int = 50,
    timeout: float = 600.0,
    start_method: str | None = None,
) -> TrainingTrace:
    """Train `model` (its tensors moved to shared memory, updated in place) with `workers`
    Hogwild processes for `epochs` passes over their shards. Raises WorkerFailed (the others
    stopped) when a worker dies or `timeout` seconds pass."""
    import torch.multiprocessing as mp

    check_hogwild_settings(workers, lr, lr_decay=lr_decay)
    method = start_method or default_start_method()
    if method not in START_METHODS:
        raise ConfigError(
            f"start_method must be one of {', '.join(START_METHODS)}, got {method!r}."
        )
    for p in model.parameters():
        p.grad = None  # gradients stay each worker's own; only the weights are shared
    model.share_memory()
    context = mp.get_context(method)
    messages = context.Queue()
    settings = {"lr": lr, "batch_size": batch_size, "epochs": epochs, "seed": seed}
    settings |= {"lr_decay": lr_decay, "report_every": report_every}
    processes = [
        context.Process(
            target=_worker,
            args=(rank, workers, model, x, y, settings, messages),
            name=f"hogwild-worker-{rank}",
            daemon=True,
        )
        for rank in range(workers)
    ]
    cpu = _cpu_seconds()
    start = time.perf_counter()
    snapshots = _Snapshots(model, snapshot_every, start)
    try:
        for process in processes:
            process.start()
        trace = _collect(processes, messages, snapshots, timeout)
    finally:
        stop_processes(processes, STOP_SECONDS)
        messages.close()
    trace.seconds = time.perf_counter() - start
    trace.cpu_seconds = _cpu_seconds() - cpu  # the workers' counts once they were joined
    if snapshots.taken[-1].examples != trace.examples:
        snapshots.take(trace.examples)
    trace.snapshots = snapshots.taken
    return trace


def _collect(
    processes: list,
    messages: Any,
    snapshots: _Snapshots,
    timeout: float,
) -> TrainingTrace:
    """Read the workers' reports until all are done; WorkerFailed on a crash or the deadline."""
    done_by = [0] * len(processes)
    finished: set[int] = set()
    dead_since: dict[int, float] = {}
    losses: list[tuple[int, float, float]] = []
    deadline = snapshots.start + timeout
    while len(finished) < len(processes):
        try:
            kind, rank, examples, payload = messages.get(timeout=POLL_SECONDS)
        except queue_module.Empty:
            kind = None
        _check_alive(processes, finished, dead_since, deadline, timeout)
        if kind is None:
            continue
        if kind == "failed":
            raise WorkerFailed(f"Hogwild worker {rank} failed:\n{payload}".rstrip())
        done_by[rank] = examples
        if kind == "done":
            finished.add(rank)
        seen = sum(done_by)
        if not math.isnan(payload):
            losses.append((seen, time.perf_counter() - snapshots.start, payload))
        snapshots.update(seen)
    return TrainingTrace(len(processes), sum(done_by), 0.0, 0.0, done_by, losses)


def _check_alive(
    processes: list,
    finished: set[int],
    dead_since: dict[int, float],
    deadline: float,
    timeout: float,
) -> None:
    """WorkerFailed when a worker that has not reported "done" has been dead for longer than
    its last message can take to arrive, or when the deadline has passed."""
    now = time.perf_counter()
    for rank, process in enumerate(processes):
        if rank in finished or process.exitcode is None:
            continue
        if now - dead_since.setdefault(rank, now) > DEAD_GRACE_SECONDS:
            raise WorkerFailed(
                f"Hogwild worker {rank} (pid {process.pid}) died with exit code "
                f"{process.exitcode} before finishing (killed, out of memory, or a crash in "
                "native code); the other workers were stopped. Run again; if it recurs, try "
                "fewer workers."
            )
    if now > deadline:
        slow = [rank for rank in range(len(processes)) if rank not in finished]
        raise WorkerFailed(
            f"Hogwild workers {slow} did not finish within the time limit of {timeout:g} s; "
            "they were stopped. Give a larger timeout, or fewer examples or epochs."
        )
