"""Progress of `learnlab reproduce NAME ... | --all` on stderr: a line when a reproduction
starts or ends (with its time against the expected one, and how many are done, running and
waiting), and, on a terminal, a live table of every reproduction with its state and elapsed
against expected time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from learnlab.recipes.reproduction_jobs import Job
from learnlab.recipes.reproduction_plan import format_seconds


class BatchProgress:
    """The progress of `jobs` on `console`; `kept` are the reproductions finished earlier and
    `expected_total` the plan's total (None: unknown)."""

    def __init__(self, console, jobs: Sequence[Job], kept: int, expected_total: float | None):
        self.console = console
        self.jobs = list(jobs)
        self.kept = kept
        self.expected_total = expected_total
        self.began = time.monotonic()
        self._live = None

    def _elapsed(self) -> str:
        elapsed = format_seconds(time.monotonic() - self.began)
        return f"{elapsed} of {format_seconds(self.expected_total)} expected"

    def counts(self) -> str:
        states = [j.state for j in self.jobs]
        done = states.count("done") + self.kept
        parts = [f"{done} done"]
        for state in ("failed", "interrupted"):
            if states.count(state):
                parts.append(f"{states.count(state)} {state}")
        parts += [f"{states.count('running')} running", f"{states.count('waiting')} waiting"]
        return ", ".join(parts)

    def started(self, job: Job) -> None:
        self.console.print(
            f"[{self._elapsed()}] started {job.name} (expected {format_seconds(job.expected)})"
        )

    def ended(self, job: Job) -> None:
        took = f"{format_seconds(job.seconds)} (expected {format_seconds(job.expected)})"
        what = "finished" if job.returncode == 0 else "FAILED"
        line = f"[{self._elapsed()}] {what} {job.name} in {took}; {self.counts()}"
        self.console.print(line if job.returncode == 0 else line + f"\n  {job.failure()}")

    def table(self):
        from rich.table import Table

        table = Table("reproduction", "state", "elapsed", "expected", title=self._elapsed())
        now = time.monotonic()
        for job in self.jobs:
            seconds = job.seconds if job.seconds is not None else None
            if seconds is None and job.started is not None:
                seconds = now - job.started
            elapsed = "" if seconds is None else format_seconds(seconds)
            table.add_row(job.name, job.state, elapsed, format_seconds(job.expected))
        table.caption = self.counts()
        return table

    def tick(self) -> None:
        if self._live is not None:
            self._live.update(self.table())

    @contextmanager
    def shown(self) -> Iterator[BatchProgress]:
        """The live table while inside, on a terminal (elsewhere the lines alone)."""
        if not self.console.is_terminal:
            yield self
            return
        from rich.live import Live

        with Live(self.table(), console=self.console, refresh_per_second=2) as live:
            self._live = live
            try:
                yield self
            finally:
                self._live = None
