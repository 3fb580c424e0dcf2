"""How many intra-op threads a run gives torch, and why.

torch's threads split each operation and wait for each other at its end. On a machine where
another process holds a core, the thread on that core runs only in the time slices it gets, and
every operation waits for it: LeNet-5 on MNIST for 2 epochs took 55.9 s with 2 threads and
10.0 s with 1 on a 2-core machine with one busy loop beside it (6.1 s with 2 threads idle).
Small models lose even on an idle machine, where the synchronisation costs more than the
second core gives. So the count is chosen per run, from what is measured:

1. A number set in the config (`threads = 2`, `--threads 2`) is used as is ("set").
2. Else `LEARNLAB_THREADS` or `OMP_NUM_THREADS`, when set, is the user's choice
   ("environment").
3. Else ("auto") the cores that other processes leave idle now (`learnlab.machine`) bound the
   count. With one idle core the choice is 1. With more, and a model to time, a few training
   steps are timed at 1 thread and at the bound (and half of it, from 4), interleaved
   (`learnlab.train.thread_calibration`), and the fastest wins; more threads must be
   `PREFER_FEWER` faster to win, since they lose the most when load appears. The timings are
   kept in a cache (`learnlab.train.thread_cache`) keyed by the machine, the model, the input
   shape, the batch size and the idle cores, so that the next run of the same kind does not
   time again.

The thread count can change the last bits of a float reduction, so a run records its choice
(summary.json: `threads`, `threads_choice`; the checkpoint keeps it for `--resume`).

Example:
    >>> choice = choose_threads("auto", environ={}, idle=lambda: 2, cores=2,
    ...                         measure=lambda counts: {1: 0.040, 2: 0.023})
    >>> choice.threads, choice.how
    (2, 'auto')
    >>> choice.line()
    'threads: 2 (auto: 2 of 2 cores idle; 1 thread 40.0 ms/step, 2 threads 23.0 ms/step)'
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from learnlab.io.errors import ConfigError

if TYPE_CHECKING:
    from learnlab.machine import CpuSample
    from learnlab.train.thread_cache import ThreadCache

# the environment variables that set the count for "auto", the first one set wins
ENVIRONMENT_VARIABLES = ("LEARNLAB_THREADS", "OMP_NUM_THREADS")
# a larger count must be this much faster (per step) than a smaller one to be chosen
PREFER_FEWER = 0.05

# seconds per training step, for each thread count tried; {} when the model cannot be timed
Measure = Callable[[list[int]], dict[int, float]]


@dataclass(frozen=True)
class ThreadChoice:
    """A run's thread count, how it was chosen ("auto", "set" or "environment") and why, in
    words; `seconds_per_step` holds the timings an automatic choice compared, `resumed` says
    that a resumed run took it over from its start."""

    threads: int
    how: str
    why: str
    seconds_per_step: dict[int, float] = field(default_factory=dict)
    resumed: bool = False  # the count a resumed run started with (not stored: it is its own)

    def line(self) -> str:
        """The console line of the run's start."""
        said = f"as when the run started: {self.why}" if self.resumed else self.why
        return f"threads: {self.threads} ({said})"

    def summary(self) -> dict[str, Any]:
        """The keys of summary.json."""
        return {"threads": self.threads, "threads_choice": self.how}

    def to_json(self) -> dict[str, Any]:
        return {
            "threads": self.threads,
            "how": self.how,
            "why": self.why,
            "seconds_per_step": {str(n): s for n, s in self.seconds_per_step.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ThreadChoice:
        timings = {int(n): float(s) for n, s in data.get("seconds_per_step", {}).items()}
        return cls(int(data["threads"]), str(data["how"]), str(data["why"]), timings)


def environment_threads(environ: Mapping[str, str]) -> tuple[str, int] | None:
    """(variable, count) of the first of ENVIRONMENT_VARIABLES that is set, else None.
    OMP_NUM_THREADS may list counts per nesting level ("4,2"): the first is torch's."""
    for name in ENVIRONMENT_VARIABLES:
        text = environ.get(name, "").strip()
        if not text:
            continue
        first = text.split(",")[0].strip()
        if not first.isdigit() or int(first) < 1:
            raise ConfigError(
                f"{name}={text!r} is not a thread count. Set it to a whole number >= 1 "
                f"(e.g. {name}=1), or unset it to let learnlab choose."
            )
        return name, int(first)
    return None


def candidates(bound: int) -> list[int]:
    """The thread counts an automatic choice times: 1, the bound, and half of it from 4."""
    return sorted({1, bound} | ({bound // 2} if bound >= 4 else set()))


def fastest(seconds_per_step: Mapping[int, float]) -> int:
    """The count with the fewest seconds per step, a larger count winning over a smaller one
    only when it is PREFER_FEWER faster."""
    best = min(seconds_per_step)
    for n in sorted(seconds_per_step):
        if seconds_per_step[n] < (1 - PREFER_FEWER) * seconds_per_step[best]:
            best = n
    return best


def describe_timings(seconds_per_step: Mapping[int, float]) -> str:
    """'1 thread 41.0 ms/step, 2 threads 230 ms/step'."""
    parts = []
    for n, seconds in sorted(seconds_per_step.items()):
        ms = 1000 * seconds
        amount = f"{ms:.1f}" if ms < 100 else f"{ms:.0f}"
        parts.append(f"{n} thread{'s' if n > 1 else ''} {amount} ms/step")
    return ", ".join(parts)


def choose_threads(
    setting: int | str,
    *,
    environ: Mapping[str, str],
    idle: Callable[[], int | None],
    cores: int,
    measure: Measure | None = None,
    cache: ThreadCache | None = None,
    key: Mapping[str, Any] | None = None,
) -> ThreadChoice:
    """The thread count for `setting` ("auto" or a number; see the module's docstring).

    `idle()` counts the cores other processes leave idle (None: unknown, then all `cores`
    count); `measure(counts)` times a training step at each count of `counts` ({} when it
    cannot), called only when there is a choice to make and `cache` holds no timings for
    `key` and the idle cores."""
    if isinstance(setting, int):
        return ThreadChoice(setting, "set", f"set: threads={setting}")
    if setting != "auto":
        raise ConfigError(f'threads must be "auto" or a whole number >= 1, not {setting!r}.')
    named = environment_threads(environ)
    if named is not None:
        name, count = named
        return ThreadChoice(count, "environment", f"set by {name}={count}")
    measured_idle = idle()
    bound = cores if measured_idle is None else max(1, min(cores, measured_idle))
    state = f"{bound} of {cores} cores idle" if measured_idle is not None else "load unknown"
    if bound == 1 or measure is None:
        return ThreadChoice(bound, "auto", f"auto: {state}")
    full_key = {**(key or {}), "idle_cores": bound}
    timings = cache.get(full_key) if cache is not None else None
    earlier = timings is not None
    if timings is None:
        timings = measure(candidates(bound))
        if timings and cache is not None:
            cache.put(full_key, timings)
    if not timings:
        return ThreadChoice(bound, "auto", f"auto: {state}; the model could not be timed")
    chosen = fastest(timings)
    said = ("timed earlier: " if earlier else "") + describe_timings(timings)
    return ThreadChoice(chosen, "auto", f"auto: {state}; {said}", dict(timings))


def choose_threads_here(
    setting: int | str,
    *,
    since: CpuSample | None = None,
    measure: Measure | None = None,
    cache: ThreadCache | None = None,
    key: Mapping[str, Any] | None = None,
) -> ThreadChoice:
    """`choose_threads` for this process: its environment, its usable cores, and the cores
    left idle since the CPU sample `since` (taken when a run started, so that loading its
    data overlaps the measurement; None: measured from now)."""
    from learnlab.machine import idle_cores, sample_cpu, usable_cores

    cores = usable_cores()
    return choose_threads(
        setting,
        environ=os.environ,
        idle=lambda: idle_cores(since or sample_cpu(), cores),
        cores=cores,
        measure=measure,
        cache=cache,
        key=key,
    )
