"""Reproductions: recipes that carry a paper's numbers and put ours next to them.

A reproduction is a registered recipe with a `Reproduction` attached: the paper (authors, year,
title), the setup in words (what is faithful to the paper and what is not), the paper's
numbers as `Claim`s (each says how to read our measured number from the recipe's summary, how
far apart the two may be before they count as different, and why they may differ), and the
overrides of a quick configuration for tests. A recipe that runs several seeds puts the mean
in its summary and the spread beside it; the table shows both next to the paper's number.

`run_reproduction(name)` runs the recipe's default (paper-faithful) configuration, builds the
"paper vs measured" table, stores it in the run directory (tables.json, so the run's report
shows it and `learnlab report` rebuilds it) and returns it; `write_reproductions_page` writes
the results of several as one Markdown page (docs/reproductions.md), atomically.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from learnlab.io.atomic import atomic_write_text
from learnlab.io.errors import ConfigError
from learnlab.recipes.paper import Claim, Reproduction, Spread

TABLE_NAME = "paper vs measured"


@dataclass
class ReproductionResult:
    name: str
    reproduction: Reproduction
    rows: list[dict[str, str]]
    run_dir: Path
    seconds: float | None  # wall-clock seconds of the whole recipe (None: not recorded)
    quick: bool
    finished: str  # local date and time
    machine: str
    assignments: tuple[str, ...] = ()  # the --set overrides it ran with
    # CPU seconds of the process over all its threads: on a shared machine the honest figure
    cpu_seconds: float | None = None
    # False when the run was resumed after an interruption: the times are the last session's
    time_complete: bool = True

    @property
    def setup_changes(self) -> list[str]:
        return setup_changes(self.assignments)

    @property
    def command(self) -> str:
        """The command that gives these numbers (where the data lives is left out)."""
        import shlex

        shown = [a for a in self.assignments if _key(a) not in WHERE_SETTINGS]
        return shlex.join(reproduce_words(self.name, self.quick, shown))


def reproduce_words(name: str, quick: bool, assignments: Sequence[str]) -> list[str]:
    """The words of `learnlab reproduce NAME [--quick] [--set ...]`."""
    words = ["learnlab", "reproduce", name] + (["--quick"] if quick else [])
    for assignment in assignments:
        words += ["--set", assignment]
    return words


# --set keys that say where and how to run, not what: left out of the command shown
WHERE_SETTINGS = frozenset({"data_root", "download", "progress", "device"})
# --set keys that draw the same experiment again with other random numbers: shown in the
# command (they change the numbers), but the setup is still the paper's and is judged
SEED_SETTINGS = frozenset({"seed", "seeds"})
NEUTRAL_SETTINGS = WHERE_SETTINGS | SEED_SETTINGS


def _key(assignment: str) -> str:
    return assignment.partition("=")[0].strip()


def setup_changes(assignments: Sequence[str]) -> list[str]:
    """The --set overrides that change the experiment (any key but NEUTRAL_SETTINGS)."""
    return [a for a in assignments if _key(a) not in NEUTRAL_SETTINGS]


def comparison_rows(
    reproduction: Reproduction,
    summary: dict[str, Any],
    *,
    quick: bool,
    assignments: Sequence[str] = (),
) -> list[dict[str, str]]:
    """The paper-vs-measured table: one row per claim, with our mean over seeds, their spread
    (sample standard deviation, lowest to highest, how many), the difference of the mean from
    the paper's number and a verdict (agrees within the tolerance, or why the numbers differ).
    A quick run, or one whose settings were changed with --set, is not judged against the
    paper; other seeds are the same setup and are judged."""
    changed = ", ".join(setup_changes(assignments))  # "" for the paper's setup
    rows = []
    for claim in reproduction.claims:
        try:
            ours = float(claim.measure(summary))
            spread = claim.spread(summary) if claim.spread is not None else None
        except KeyError as missing:
            if not changed:  # the paper's or the quick setup measures every claim
                raise
            # the run's settings left out what the claim reads (a variant, a part)
            rows.append(unmeasured_row(claim, str(missing), changed))
            continue
        difference = ours - claim.paper
        if quick:
            verdict = reproduction.quick_note
        elif changed:
            verdict = f"settings changed ({changed}): not the paper's setup"
        elif abs(difference) <= claim.tolerance:
            verdict = f"agrees (within ±{claim.tolerance:.{claim.digits}f})"
        else:
            verdict = claim.why_different
        rows.append(
            {
                "quantity": claim.quantity,
                "paper": f"{claim.paper:.{claim.digits}f}",
                "measured (mean)": f"{ours:.{claim.digits}f}",
                **spread_cells(spread, claim.digits),
                "difference": f"{difference:+.{claim.digits}f}",
                "why they differ": verdict,
            }
        )
    return rows


def unmeasured_row(claim: Claim, missing: str, changed: str) -> dict[str, str]:
    """The row of a claim whose quantity this run did not measure (its summary lacks
    `missing`): the paper's number beside "not measured" and the settings (`changed`, the
    --set overrides that changed the setup) that left it out."""
    return {
        "quantity": claim.quantity,
        "paper": f"{claim.paper:.{claim.digits}f}",
        "measured (mean)": "not measured",
        "seeds": "n/a",
        "std": "n/a",
        "range": "n/a",
        "difference": "n/a",
        "why they differ": f"not measured: {changed} left out what it needs ({missing})",
    }


def spread_cells(spread: Spread | None, digits: int) -> dict[str, str]:
    """The seeds, std and range columns of a row ("n/a" where there is nothing to show)."""
    if spread is None:
        return {"seeds": "1", "std": "n/a", "range": "n/a"}
    std = "n/a" if spread.std is None else f"{spread.std:.{digits}f}"
    return {
        "seeds": str(spread.seeds),
        "std": std,
        "range": f"{spread.low:.{digits}f} to {spread.high:.{digits}f}",
    }


def machine_description(threads: int | None = None) -> str:
    """CPU model, cores and torch's threads (the run's, where given) and version: what the
    seconds depend on."""
    import torch

    from learnlab.machine import cpu_model

    cpu = cpu_model()
    device = "CUDA " + torch.cuda.get_device_name() if torch.cuda.is_available() else "no GPU"
    threads = threads or torch.get_num_threads()
    return (
        f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__} with "
        f"{threads} thread{'s' if threads > 1 else ''}, {device}"
    )


def check_reproductions(names: Sequence[str], quick: bool, settings: dict[str, list[str]]) -> None:
    """Build each reproduction's config before any runs, so that an unknown name or a bad
    setting of the last one is reported before the first one has spent its minutes."""
    for name in names:
        _recipe_and_config(name, quick, settings[name], None)


def _recipe_and_config(
    name: str, quick: bool, assignments: Sequence[str], resume: str | Path | None
) -> tuple[Any, Any]:
    """The reproduction's recipe and its config: the paper's (or --quick's) with the --set
    overrides, on top of what an interrupted run saved when `resume` is given."""
    from learnlab.config import build_config
    from learnlab.recipes.registry import get_recipe, reproduction_names
    from learnlab.recipes.runner import saved_config

    recipe = get_recipe(name)
    if recipe.reproduction is None:
        raise ConfigError(
            f"recipe {name!r} is not a reproduction (it has no paper numbers). "
            f"Reproductions: {', '.join(reproduction_names())}. Run it with `learnlab run`."
        )
    config = build_config(
        recipe.config_class,
        flags=dict(recipe.reproduction.quick) if quick else None,
        assignments=list(assignments),
        base=saved_config(Path(resume)) if resume is not None else None,
    )
    return recipe, config


def run_reproduction(
    name: str,
    *,
    quick: bool = False,
    run_dir: str | Path | None = None,
    assignments: Sequence[str] = (),
    console=None,
    resume: str | Path | None = None,
) -> ReproductionResult:
    """Run reproduction `name`, store and return its paper-vs-measured table; `resume`
    continues an interrupted one in its run directory (as `learnlab run NAME --resume`)."""
    from learnlab.recipes.runner import run_recipe
    from learnlab.runs.interruption import RunInterrupted, interruption

    recipe, config = _recipe_and_config(name, quick, assignments, resume)
    reproduction = recipe.reproduction
    clock = _Clock.start(resume)
    rows: list[dict[str, str]] = []

    def add_table(result) -> None:
        rows.extend(
            comparison_rows(reproduction, result.summary, quick=quick, assignments=assignments)
        )
        result.tables[TABLE_NAME] = rows
        # what `learnlab reproduce --from RUN` needs to put this run on the page later
        result.index["reproduction_seconds"] = clock.wall()
        result.index["reproduction_cpu_seconds"] = clock.cpu()
        result.index["reproduced_at"] = datetime.now().strftime("%Y-%m-%d %H:%M")
        result.index["machine"] = machine_description(result.summary.get("threads"))
        result.index["reproduction_time_complete"] = clock.complete
        if quick:  # said on the page and in the index, not only in each row of the table
            note = reproduction.quick_note
            result.notes.insert(0, note[:1].upper() + note[1:])
            result.index["quick"] = True

    try:
        published = run_recipe(
            recipe, config, run_dir=run_dir, resume=resume, console=console, amend=add_table
        )
    except RunInterrupted as exc:
        if exc.run_dir is None or exc.resume_command is None:
            raise
        # the same command continues it, so that the table is judged as this one would be
        command = reproduce_words(name, quick, assignments)
        raise interruption(exc.run_dir, command, resumable=True) from None
    return ReproductionResult(
        name=name,
        reproduction=reproduction,
        rows=rows,
        run_dir=published.run_dir,
        seconds=clock.wall(),
        quick=quick,
        finished=datetime.now().strftime("%Y-%m-%d %H:%M"),
        machine=machine_description(published.summary.get("threads")),
        assignments=tuple(assignments),
        cpu_seconds=clock.cpu(),
        time_complete=clock.complete,
    )


@dataclass(frozen=True)
class _Clock:
    """A reproduction's wall and CPU time. A resumed finished run adds the time it recorded;
    a run resumed after an interruption recorded none, so its time is the last session's
    (`complete` False)."""

    wall_start: float
    cpu_start: float
    complete: bool

    @classmethod
    def start(cls, resume: str | Path | None) -> _Clock:
        from learnlab.runs.result_files import is_finished, read_result

        wall_before = cpu_before = 0.0
        complete = resume is None or is_finished(Path(resume))
        if resume is not None and complete:
            index = read_result(Path(resume)).index
            wall_before = float(index.get("reproduction_seconds", 0.0))
            cpu_before = float(index.get("reproduction_cpu_seconds", 0.0))
        return cls(time.perf_counter() - wall_before, time.process_time() - cpu_before, complete)

    def wall(self) -> float:
        return time.perf_counter() - self.wall_start

    def cpu(self) -> float:
        return time.process_time() - self.cpu_start


def _markdown_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(rows: list[dict[str, str]]) -> str:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(_markdown_cell(row.get(c, "")) for c in columns) + " |")
    return "\n".join(lines)


@dataclass(frozen=True)
class FailedReproduction:
    """A reproduction of `reproduce NAME ... | --all` that did not finish: its section on the
    page says so and why."""

    name: str
    reproduction: Reproduction
    reason: str


def reproductions_page(results: Sequence[ReproductionResult | FailedReproduction]) -> str:
    """docs/reproductions.md: one section per reproduction (a failed one says why)."""
    parts = [
        "# Reproductions",
        "",
        "Published results next to ours, measured by `learnlab reproduce` (this page is "
        "written by `learnlab reproduce --all`, by several NAMEs or by `--from RUN ...`; do not "
        "edit it by hand). Each section names the paper, the "
        "command that reproduces it, the paper's numbers and ours (the mean over seeds, with "
        "their standard deviation and range), and, where they differ by more than the spread "
        "between seeds, why.",
    ]
    for result in results:
        r = result.reproduction
        parts += ["", f"## {result.name}", "", f"Paper: {r.paper.citation()}.", ""]
        if isinstance(result, FailedReproduction):
            parts.append(f"**Failed: no numbers.** {result.reason}")
            continue
        parts += [f"Command: `{result.command}`", "", f"Setup: {r.setup}", ""]
        if result.quick:
            overrides = ", ".join(f"{k}={v}" for k, v in r.quick.items())
            parts += [f"**{r.quick_note.capitalize()}** (`--quick`: {overrides}).", ""]
        if result.setup_changes:
            changed = ", ".join(result.setup_changes)
            parts += [f"**Settings changed with --set ({changed}): not the paper's setup.**", ""]
        parts += [markdown_table(result.rows), ""]
        took = (
            "its time was not recorded"
            if result.seconds is None
            else f"{result.seconds:,.0f} s in all (training, evaluation and report)"
            + ("" if result.cpu_seconds is None else f", {result.cpu_seconds:,.0f} s of CPU time")
        )
        if result.seconds is not None and not result.time_complete:
            took += " in the last session (resumed after an interruption, not counted)"
        parts.append(f"Measured on {result.finished}, on {result.machine}; {took}.")
    return "\n".join(parts) + "\n"


def write_reproductions_page(
    results: Sequence[ReproductionResult | FailedReproduction], path: str | Path
) -> Path:
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"--page {path} is a directory; give a file such as reproductions.md.")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, reproductions_page(results))
    return path
