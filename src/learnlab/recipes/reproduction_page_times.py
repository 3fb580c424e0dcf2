"""Each reproduction's last measured time as the reproductions page records it: what the
plan of `learnlab reproduce --all` falls back on when the run index has no run of it (a fresh
clone has no runs, but it has docs/reproductions.md, whose sections end with the line
"Measured on WHEN, on MACHINE; S s in all (training, evaluation and report)[, C s of CPU
time].", written by `learnlab.recipes.reproduce.reproductions_page`).

Sections that ran with --quick or with settings changed by --set are skipped (their time says
little about the default configuration's), as are times of a resumed run (only its last
session was counted). The page does not record the configuration, so an estimate from it
says that the configuration was not checked.

Example:
    >>> line = ("Measured on 2026-12-06 12:58, on cpu, 2 cores, torch 2.13 with 2 threads, "
    ...         "no GPU; 1,114 s in all (training, evaluation and report), 2,000 s of CPU time.")
    >>> page = "## r\\n\\n" + line
    >>> page_times(page)["r"].cpu_seconds
    2000.0
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from learnlab.recipes.reproduction_plan import Estimate, with_fewer_threads

_MEASURED = re.compile(
    r"^Measured on (?P<when>[^,]+), on (?P<machine>.+?); (?P<seconds>[\d,.]+) s in all "
    r"\(training, evaluation and report\)(?:, (?P<cpu>[\d,.]+) s of CPU time)?\.$"
)
_THREADS = re.compile(r"with (\d+) threads?\b")
# what the bold line of a section run with --quick or with --set changes says
_NOT_DEFAULT = ("(`--quick`:", "Settings changed with --set")


@dataclass(frozen=True)
class PageTime:
    """One section's recorded time: wall and CPU seconds, torch threads, and when."""

    seconds: float
    cpu_seconds: float | None
    threads: int | None
    when: str


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _sections(page: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    lines: list[str] = []
    for line in page.splitlines():
        if line.startswith("## "):
            lines = sections.setdefault(line[3:].strip(), [])
        else:
            lines.append(line)
    return sections


def page_times(page: str) -> dict[str, PageTime]:
    """Name -> PageTime of each section of `page` timed in its default configuration."""
    found = {}
    for name, lines in _sections(page).items():
        if any(line.startswith("**") and any(m in line for m in _NOT_DEFAULT) for line in lines):
            continue
        for line in lines:
            match = _MEASURED.match(line.strip())
            if match is None:
                continue
            threads = _THREADS.search(match["machine"])
            found[name] = PageTime(
                seconds=_number(match["seconds"]),
                cpu_seconds=_number(match["cpu"]) if match["cpu"] else None,
                threads=int(threads[1]) if threads else None,
                when=match["when"],
            )
    return found


def read_page_times(path: Path) -> dict[str, PageTime]:
    """page_times of the page at `path`; none when it does not exist or cannot be read."""
    try:
        return page_times(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return {}


def page_estimate(name: str, time: PageTime, page: Path, threads: int | None) -> Estimate:
    """The expected time of `name` from its page entry, run with `threads` threads (None: as
    a run alone chooses): its CPU seconds spread over fewer threads than it had, at least its
    wall time."""
    seconds = time.seconds
    how = f"{page}, measured {time.when}: {seconds:,.0f} s (the recipe alone)"
    if time.threads is not None:
        how += f" on {time.threads} thread{'s' if time.threads > 1 else ''}"
        spread = with_fewer_threads(seconds, time.cpu_seconds, time.threads, threads)
        if spread is not None:
            seconds = spread
            how += f"; its {time.cpu_seconds:,.0f} s of CPU time on {threads} now"
    return Estimate(name, seconds, how + "; its configuration then is not checked")


def with_page_times(
    found: Mapping[str, Estimate], page: Path, threads: int | None
) -> dict[str, Estimate]:
    """`found`, each unknown estimate replaced by the page's where the page has one."""
    times = read_page_times(page)
    return {
        name: page_estimate(name, times[name], page, threads)
        if estimate.seconds is None and name in times
        else estimate
        for name, estimate in found.items()
    }
