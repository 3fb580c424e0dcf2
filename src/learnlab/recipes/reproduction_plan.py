"""The plan that `learnlab reproduce NAME ... | --all` prints before it starts: each
reproduction's expected time, taken from its last run in the run index, and the expected total
for --jobs N.

The time of a run is that of its whole process when `reproduce NAME ... | --all` ran it
(JOB_SECONDS, recorded in its index entry: starting Python and torch, loading data, the
report), else the recipe's own (`reproduction_seconds`), which leaves those out.

A reproduction's last run is the newest entry of the run index (`learnlab.runs.index`, in the
runs folder: $LEARNLAB_RUNS, else ./runs) of that reproduction that recorded its time
(`reproduction_seconds`), quick or not as now, with the configuration that will run (its
config.json against the config built now, settings of execution aside: a run with other
settings, e.g. fewer seeds, says little about this one's time).
With fewer threads than that run had, the time is its CPU seconds spread over the threads it
gets now (at least its wall time). A reproduction with no such run is "unknown" (the command
then takes its time from the reproductions page, `learnlab.recipes.reproduction_page_times`);
in the total it counts as the median of the known ones (nothing known: the total is unknown).

The total is the finishing time of a simulated schedule: the reproductions start in
`start_order` (longest expected first, which keeps the last one from running alone at the
end), each on the first of the N job slots that frees up.

Example:
    >>> expected_total([60.0, 30.0, 30.0], jobs=2)
    60.0
"""

from __future__ import annotations

import heapq
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from learnlab.recipes.reproduction_runs import EXECUTION_SETTINGS

# the index key of a reproduction's whole-process seconds when run by `reproduce --all`
JOB_SECONDS = "reproduction_job_seconds"


@dataclass(frozen=True)
class Estimate:
    """A reproduction's expected seconds (None: unknown) and where they come from, in words."""

    name: str
    seconds: float | None
    how: str


def comparable(config: Mapping[str, Any]) -> dict[str, Any]:
    """A config without the settings that say how it ran (not what it computed)."""
    return {k: v for k, v in config.items() if k not in EXECUTION_SETTINGS}


def timed_runs(
    entries: Sequence[Mapping[str, Any]], name: str, quick: bool
) -> list[Mapping[str, Any]]:
    """The runs of reproduction `name` that recorded their time, quick or not as asked."""
    return [
        e
        for e in entries
        if e.get("kind") == name
        and bool(e.get("quick", False)) == quick
        and isinstance(e.get("reproduction_seconds"), (int, float))
    ]


def last_run(
    entries: Sequence[Mapping[str, Any]], name: str, quick: bool, config: Mapping[str, Any]
) -> Mapping[str, Any] | None:
    """The newest timed run of `name` with this quick-ness and configuration."""
    wanted = comparable(config)
    same = [
        e for e in timed_runs(entries, name, quick) if comparable(e.get("config") or {}) == wanted
    ]
    return same[-1] if same else None


def with_fewer_threads(
    wall: float, cpu: float | None, before: int | None, threads: int | None
) -> float | None:
    """The seconds of a run that took `wall` seconds and `cpu` CPU seconds on `before` threads,
    run on `threads` (None: as it chooses alone): its CPU time spread over them, at least its
    wall time; None when `threads` is not fewer or the CPU time is unknown (then: `wall`)."""
    if before is None or threads is None or threads >= before or cpu is None:
        return None
    return max(wall, cpu / threads)


def estimate_from(entry: Mapping[str, Any], threads: int | None) -> Estimate:
    """The expected time of a run like `entry` with `threads` threads (None: chosen by the run
    as when it runs alone)."""
    wall = float(entry["reproduction_seconds"])
    job = entry.get(JOB_SECONDS)
    # what the process spends outside the recipe's clock (None: not measured)
    outside = float(job) - wall if isinstance(job, (int, float)) else 0.0
    cpu = entry.get("reproduction_cpu_seconds")
    before = (entry.get("summary") or {}).get("threads")
    seconds = wall + outside
    whole = "as a job" if isinstance(job, (int, float)) else "the recipe alone"
    how = f"its last run, {entry.get('reproduced_at', '?')}, {seconds:,.0f} s ({whole})"
    if isinstance(before, int):
        how += f" on {before} thread{'s' if before > 1 else ''}"
        spread = with_fewer_threads(
            wall, float(cpu) if isinstance(cpu, (int, float)) else None, before, threads
        )
        if spread is not None:
            seconds = spread + outside
            how += f"; its {cpu:,.0f} s of CPU time on {threads} now"
    return Estimate(str(entry.get("kind")), seconds, how)


def estimates(
    entries: Sequence[Mapping[str, Any]],
    configs: Mapping[str, Mapping[str, Any]],
    quick: bool,
    threads: int | None,
) -> list[Estimate]:
    """The Estimate of each reproduction of `configs` (name -> the config that will run)."""
    found = []
    for name, config in configs.items():
        entry = last_run(entries, name, quick, config)
        if entry is None:
            others = len(timed_runs(entries, name, quick))
            said = f"unknown: no {'quick ' if quick else ''}run of it in the run index"
            said += f" with these settings ({others} with others)" if others else ""
            found.append(Estimate(name, None, said))
        else:
            found.append(estimate_from(entry, threads))
    return found


def filled_in(found: Sequence[Estimate]) -> dict[str, float | None]:
    """Seconds of each, the unknown ones counted as the median of the known ones."""
    known = [e.seconds for e in found if e.seconds is not None]
    fill = statistics.median(known) if known else None
    return {e.name: e.seconds if e.seconds is not None else fill for e in found}


def start_order(seconds: Mapping[str, float | None]) -> list[str]:
    """The order to start them in: longest expected first (ties and unknowns: as given)."""
    names = list(seconds)
    return sorted(names, key=lambda n: -(seconds[n] or 0.0))


def expected_total(durations: Sequence[float], jobs: int) -> float:
    """When the last of `durations` (in starting order) ends, each starting on the first of
    `jobs` slots to free up."""
    slots = [0.0] * jobs
    for duration in durations:
        heapq.heapreplace(slots, slots[0] + duration)
    return max(slots, default=0.0)


def format_seconds(seconds: float | None) -> str:
    """'unknown', '45 s', '12 min 5 s' or '1 h 02 min'."""
    if seconds is None:
        return "unknown"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"
