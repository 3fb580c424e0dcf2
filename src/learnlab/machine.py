"""What a measurement ran on, and how much of the machine is free now.

`cpu_model()`: the CPU's model name (the seconds of a benchmark or a reproduction depend on it).

`idle_cores(since)`: how many of the cores this process may use were left idle by the other
processes since the CPU sample `since` (`sample_cpu()`). It reads the kernel's per-core busy
time (/proc/stat, Linux) twice and subtracts what this process itself used meanwhile (its own
work, e.g. loading data, between the two samples does not count as load). A core counts as
taken when other processes kept it busy more than `TAKEN_FRACTION` of the time: a thread of an
intra-op pool that has to share its core stalls every operation, and all the other threads
wait for it (learnlab.train.threads uses the count to bound the thread count of a run).
"""

from __future__ import annotations

import math
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

# other processes' share of a core above which it counts as taken
TAKEN_FRACTION = 0.3
# the shortest interval over which idle time is measured: /proc/stat counts in ticks of 10 ms
MIN_INTERVAL_SECONDS = 0.1


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else what `platform` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity), else the machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class CpuSample:
    """A moment's CPU counters: wall clock (s), busy seconds of the usable cores summed (from
    /proc/stat; None where it cannot be read) and this process's own CPU seconds."""

    wall: float
    busy: float | None
    own: float


def sample_cpu() -> CpuSample:
    return CpuSample(time.monotonic(), _busy_seconds(), time.process_time())


def _busy_seconds() -> float | None:
    """Busy time of the usable cores since boot: user, nice, system, irq, softirq and steal
    (time a hypervisor gave to someone else) ticks of each `cpuN` line of /proc/stat."""
    try:
        usable = os.sched_getaffinity(0)
        ticks_per_second = os.sysconf("SC_CLK_TCK")
        lines = Path("/proc/stat").read_text().splitlines()
    except (AttributeError, OSError, ValueError):
        return None
    busy = 0
    for line in lines:
        name, *fields = line.split()
        if not name.startswith("cpu") or name == "cpu" or int(name[3:]) not in usable:
            continue
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
        busy += user + nice + system + irq + softirq + steal
    return busy / ticks_per_second


def idle_cores_between(before: CpuSample, after: CpuSample, cores: int) -> int | None:
    """The cores of `cores` that other processes left idle between two samples (None when the
    busy time is unknown): `cores` minus each core that others kept busy more than
    TAKEN_FRACTION of the time."""
    if before.busy is None or after.busy is None or after.wall <= before.wall:
        return None
    elapsed = after.wall - before.wall
    others = max(0.0, (after.busy - before.busy) - (after.own - before.own)) / elapsed
    taken = max(0, math.ceil(others - TAKEN_FRACTION - 1e-9))
    return max(0, cores - taken)


def idle_cores(since: CpuSample, cores: int | None = None) -> int | None:
    """Cores left idle by other processes since `since`, measured over at least
    MIN_INTERVAL_SECONDS (it sleeps for the rest when less has passed); None where the busy
    time cannot be read (not Linux)."""
    cores = usable_cores() if cores is None else cores
    if since.busy is None:
        return None
    waited = time.monotonic() - since.wall
    if waited < MIN_INTERVAL_SECONDS:
        time.sleep(MIN_INTERVAL_SECONDS - waited)
    return idle_cores_between(since, sample_cpu(), cores)
