"""`learnlab reproduce NAME NAME ... | --all`: several reproductions, one page.

It prints the plan (`learnlab.recipes.reproduction_plan`: each reproduction's expected time
from its last run, what an earlier interrupted run of the same command left to keep or resume,
and the expected total for --jobs N), runs what is left N at a time in processes of their own
(`learnlab.recipes.reproduction_jobs`) with the cores divided between them, shows progress,
and writes the page once, at the end, in the order the reproductions were named (--all: the
registry's order), whatever order they finished in; a failed one does not stop the others:
its section says why, and the exit status is 1. Interrupted, the same command continues
(`learnlab.recipes.reproduction_batch`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from learnlab.io.errors import ConfigError, LearnlabError
from learnlab.recipes.reproduction_batch import (
    BatchState,
    Step,
    batch_key,
    index_again,
    index_kept,
    plan_steps,
)
from learnlab.recipes.reproduction_jobs import Job, child_argv, run_jobs
from learnlab.recipes.reproduction_plan import (
    JOB_SECONDS,
    Estimate,
    estimates,
    expected_total,
    filled_in,
    format_seconds,
    start_order,
)


@dataclass(frozen=True)
class Request:
    """What was asked: the reproductions in page order, --quick, each one's --set, --jobs."""

    names: list[str]
    quick: bool
    settings: Mapping[str, Sequence[str]]
    jobs: int = 1
    fresh: bool = False


def check_jobs(jobs: int, cores: int | None = None) -> None:
    """--jobs must be a whole number from 1 to the cores this process may use."""
    from learnlab.machine import usable_cores

    cores = cores or usable_cores()
    if not 1 <= jobs <= cores:
        raise ConfigError(
            f"--jobs {jobs}: give a whole number from 1 to {cores}, the cores this process may "
            f"use (each job gets cores // jobs threads); e.g. --jobs {min(2, cores)}."
        )


def job_threads(jobs: int, cores: int | None = None) -> int | None:
    """Torch threads of each job: cores // jobs, or fewer where LEARNLAB_THREADS or
    OMP_NUM_THREADS asks for fewer; None for one job, which chooses as a run alone does."""
    from learnlab.machine import usable_cores
    from learnlab.train.threads import environment_threads

    if jobs == 1:
        return None
    share = max(1, (cores or usable_cores()) // jobs)
    named = environment_threads(os.environ)
    return min(share, named[1]) if named is not None else share


def child_environment(threads: int | None) -> dict[str, str]:
    """This process's environment, with the jobs' thread count, and this learnlab first on
    the children's path (they run the same code as the parent, installed or not)."""
    import learnlab

    env = dict(os.environ)
    source = str(Path(learnlab.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([source, *filter(None, [env.get("PYTHONPATH")])])
    if threads is not None:
        env["LEARNLAB_THREADS"] = env["OMP_NUM_THREADS"] = str(threads)
    return env


def _configs(request: Request) -> dict[str, dict]:
    """The config each reproduction will run with (all built, so checked, before any runs)."""
    from learnlab.recipes.reproduce import _recipe_and_config

    return {
        name: _recipe_and_config(name, request.quick, request.settings[name], None)[1].model_dump(
            mode="json"
        )
        for name in request.names
    }


@dataclass(frozen=True)
class Plan:
    steps: dict[str, Step]
    found: dict[str, Estimate]  # of those to run or resume
    order: list[str]  # the starting order of those
    total: float | None
    threads: int | None


def make_plan(request: Request, state: BatchState, page: Path | None = None) -> Plan:
    """The plan; where the run index has no run of a reproduction, its time on `page` (the
    reproductions page this command writes), unless --quick."""
    from learnlab.recipes.reproduction_page_times import with_page_times
    from learnlab.runs.index import read_index

    configs = _configs(request)
    steps = plan_steps(None if request.fresh else state, configs)
    to_run = {n: c for n, c in configs.items() if steps[n].action != "kept"}
    threads = job_threads(request.jobs)
    found = {e.name: e for e in estimates(read_index(), to_run, request.quick, threads)}
    if page is not None and not request.quick:
        found = with_page_times(found, page, threads)
    seconds = filled_in(list(found.values()))
    order = start_order(seconds)
    known = all(s is not None for s in seconds.values())
    total = expected_total([seconds[n] for n in order], request.jobs) if known else None
    return Plan(steps, found, order, total, threads)


def print_plan(plan: Plan, request: Request, console) -> None:
    from rich.table import Table

    table = Table("reproduction", "to do", "expected", "from", title="plan")
    for name in request.names:
        step = plan.steps[name]
        if step.action == "kept":
            table.add_row(name, f"kept: finished in {step.run_dir}", "0 s", "")
            continue
        todo = "run" if step.action == "new" else f"resume {step.run_dir}"
        estimate = plan.found[name]
        table.add_row(name, todo, format_seconds(estimate.seconds), estimate.how)
    console.print(table)
    threads = "as a run alone" if plan.threads is None else f"{plan.threads} each"
    unknown = [n for n, e in plan.found.items() if e.seconds is None]
    counted = " (unknown ones counted as the median of the known)" if unknown else ""
    if plan.total is None:
        counted = " (no timed run of these in the run index or on the page)"
    console.print(
        f"{len(plan.order)} to run, {len(request.names) - len(plan.order)} kept; "
        f"--jobs {request.jobs} (torch threads: {threads}); started longest first; expected "
        f"total {format_seconds(plan.total)}{counted}"
    )


def reproduce_several(request: Request, page: Path, console, *, plan_only: bool = False) -> int:
    """Plan, run what is left, write the page; 0 when every reproduction succeeded, else 1.
    `plan_only`: print the plan and stop."""
    from learnlab.runs.directory import runs_root

    check_jobs(request.jobs)
    state = BatchState(runs_root(), batch_key(request.names, request.quick, request.settings))
    plan = make_plan(request, state, page)
    print_plan(plan, request, console)
    if plan_only:
        return 0
    if request.fresh:
        state.forget()
    for name, step in plan.steps.items():  # what an earlier run kept stays in the new state
        if step.run_dir is not None:
            state.record(name, step.run_dir)
        if step.action == "kept":
            index_kept(step.run_dir)
    jobs = _run(request, plan, state, console)
    return _write_page(request, plan, jobs, state, page, console)


def _run(request: Request, plan: Plan, state: BatchState, console) -> dict[str, Job]:
    from learnlab.recipes.reproduction_progress import BatchProgress
    from learnlab.runs.directory import choose_run_dir
    from learnlab.runs.interruption import RunInterrupted

    jobs = {
        name: Job(name, [], state.logs / f"{name}.log", plan.found[name].seconds)
        for name in plan.order
    }
    kept = len(request.names) - len(jobs)
    progress = BatchProgress(console, list(jobs.values()), kept, plan.total)

    def start(job: Job) -> None:
        step = plan.steps[job.name]
        run_dir = step.run_dir if step.action == "resume" else choose_run_dir(job.name)
        state.record(job.name, run_dir)  # before it starts: a killed batch knows where it was
        resume = step.action == "resume"
        job.argv = child_argv(job.name, run_dir, resume, request.quick, request.settings[job.name])
        progress.started(job)

    def end(job: Job) -> None:
        if job.returncode == 0:  # its whole time, for the next plan
            with contextlib.suppress(LearnlabError):
                index_again(state.run_dirs()[job.name], **{JOB_SECONDS: round(job.seconds, 1)})
        progress.ended(job)

    env = child_environment(plan.threads)
    try:
        with progress.shown():
            run_jobs(
                list(jobs.values()),
                request.jobs,
                env,
                on_start=start,
                on_end=end,
                on_tick=progress.tick,
            )
    except KeyboardInterrupt:
        raise RunInterrupted(
            f"interrupted ({progress.counts()}); run the same command again to continue: the "
            "finished reproductions are kept, the interrupted ones resume (--fresh starts over).",
            None,
            None,
        ) from None
    return jobs


def _write_page(
    request: Request, plan: Plan, jobs: dict[str, Job], state: BatchState, page: Path, console
) -> int:
    """The page in the order named, from the run directories; 1 if any failed."""
    from learnlab.recipes.registry import get_recipe
    from learnlab.recipes.reproduce import FailedReproduction, write_reproductions_page
    from learnlab.recipes.reproduction_runs import reproduction_from_run

    runs = state.run_dirs()
    sections = []
    for name in request.names:
        job = jobs.get(name)
        reason = job.failure() if job is not None and job.returncode != 0 else None
        if reason is None:
            try:
                sections.append(reproduction_from_run(runs[name], list(request.settings[name])))
                continue
            except (ConfigError, KeyError) as exc:
                reason = f"its run directory cannot be read: {exc}"
        sections.append(FailedReproduction(name, get_recipe(name).reproduction, reason))
    failed = [s.name for s in sections if isinstance(s, FailedReproduction)]
    for section in sections:
        if not isinstance(section, FailedReproduction):
            console.print(f"{section.name}: {section.run_dir}")
    print(write_reproductions_page(sections, page))
    if failed:
        console.print(f"failed: {', '.join(failed)} (the same command retries them)")
        return 1
    state.forget()
    return 0
