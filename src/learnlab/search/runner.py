"""One worker of a search: run trials until the study holds the trials asked for.

The number of trials (`trials` in [search], `--trials N`) is a target for the whole study, not
for one process: a worker stops when the study holds N finished trials, counting every
worker's, earlier runs' included. So re-running an interrupted search finishes the rest, and
two workers asked for 20 trials end with 20 between them. A trial counts as finished when it is
COMPLETE, PRUNED, or FAILED with an error of its own (a diverged training run is a result: that
configuration fails). It does not count when it failed because its worker died (the heartbeat
marks it FAIL and Optuna queues a copy with the parameters it had drawn, see study.py) or
was surplus.

The worker's loop:

    1. fail stale trials (dead workers' trials: FAIL, and a queued copy), and orphans (below);
    2. count: finished >= N -> stop. Finished + running + queued >= N with nothing queued ->
       the remaining trials are underway in other workers: wait and look again (a dead
       worker's trial turns stale after the grace period and is queued again);
    3. otherwise run one trial: Optuna pops a queued trial or creates a new one. Two workers
       may both see one free place and both create a trial; trial numbers are given out
       atomically by the storage, so each trial checks that fewer than N trials that finished
       or are underway come before its number, and otherwise ends at once as "surplus" (FAIL,
       not counted). The study thus holds exactly N finished trials.

Orphans: Optuna starts a trial's heartbeats only once the trial is created and its sampler
has run, so a worker killed in between leaves a RUNNING trial without heartbeats, which no
heartbeat check ever fails. The objective records its worker as its first act; a RUNNING trial
without that record after `orphan_seconds(...)` (a minute at least: sampling can be slow) is
failed by the next worker that looks.

Grid search: every trial runs a point queued from the grid (grid.py): before each trial the
worker queues the first point of the grid's order that no trial holds (counted, running or
queued); a trial whose point a trial before it holds ends at once as surplus. The places of a
grid study are its distinct points (a study from an older learnlab may hold a point twice).

Seeds: trial k draws with a sampler seeded from (seed, k), see samplers.PerTrialSeed.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from learnlab.io.errors import TrainingDiverged
from learnlab.search.grid import FIXED_PARAMS, GridPlan, study_grid_seed, trial_point
from learnlab.search.objective import TrainFunction, build_evaluator
from learnlab.search.space import suggest
from learnlab.search.spec import SearchSpec
from learnlab.search.study import (
    default_storage_url,
    display_url,
    open_storage,
    open_study,
)
from learnlab.search.trial_states import (
    ERROR_ATTR,
    SURPLUS_ATTR,
    WORKER_ATTR,
    counts_toward_target,
    holds_a_place,
)

if TYPE_CHECKING:
    import optuna
    from optuna.trial import FrozenTrial
    from rich.console import Console

POLL_SECONDS = 0.5
MIN_ORPHAN_SECONDS = 60.0


class SurplusTrial(Exception):
    """This trial would be one more than the study is to hold (another worker took the place)."""


@dataclass(frozen=True)
class Tally:
    finished: int  # counted toward the target
    running: int
    waiting: int  # queued trials: copies of trials whose worker died, grid points
    total: int  # every trial, failed and surplus included
    places: int  # finished or underway or queued (for a grid: distinct points)


def count_places(trials: list[FrozenTrial], plan: GridPlan | None) -> int:
    """How many places of the target `trials` (already filtered) take: one each, or for a
    grid one per distinct point (a trial with no point yet ran nothing and takes none)."""
    return len(trials) if plan is None else len(plan.keys(trials))


def tally(study: optuna.Study, plan: GridPlan | None = None) -> Tally:
    from optuna.trial import TrialState

    trials = study.get_trials(deepcopy=False)
    return Tally(
        finished=count_places([t for t in trials if counts_toward_target(t)], plan),
        running=sum(t.state == TrialState.RUNNING for t in trials),
        waiting=sum(t.state == TrialState.WAITING for t in trials),
        total=len(trials),
        places=count_places([t for t in trials if holds_a_place(t)], plan),
    )


def queue_grid_point(study: optuna.Study, plan: GridPlan, target: int) -> bool:
    """Queue the grid's next point that no trial holds, if the study has room for one."""
    held = plan.keys(t for t in study.get_trials(deepcopy=False) if holds_a_place(t))
    point = plan.next_free(held) if len(held) < target else None
    if point is None:
        return False
    study.enqueue_trial(point)
    return True


def orphan_seconds(spec: SearchSpec) -> float:
    grace = spec.settings.grace_seconds or 2 * spec.settings.heartbeat_seconds
    return max(MIN_ORPHAN_SECONDS, 3.0 * grace)


def fail_orphaned_trials(study: optuna.Study, older_than_seconds: float) -> list[int]:
    """Fail RUNNING trials that never reached the objective (no worker recorded) and were
    created more than `older_than_seconds` ago; return their numbers."""
    import datetime

    import optuna
    from optuna.trial import TrialState

    now = datetime.datetime.now()
    failed = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        started = trial.datetime_start
        if WORKER_ATTR in trial.user_attrs or started is None:
            continue
        if (now - started).total_seconds() > older_than_seconds:
            try:
                study.tell(trial.number, state=TrialState.FAIL)
                failed.append(trial.number)
            except (ValueError, optuna.exceptions.UpdateFinishedTrialError):
                pass  # another worker finished or failed it first
    return failed


@dataclass
class SearchOutcome:
    search_dir: Path
    study: optuna.Study
    storage_url: str
    report: Path | None


def run_search(
    spec: SearchSpec,
    *,
    search_dir: Path,
    console: Console,
    storage_url: str | None = None,
    study_name: str | None = None,
    report: bool = True,
    train: TrainFunction | None = None,
) -> SearchOutcome:
    """Take part in the search until its study holds `spec.target_trials` finished trials,
    then write the report (search.html, results.json, results.csv) into `search_dir` (unless
    `report` is False). `train` trains one trial's config (`learnlab.pipeline.run_training`;
    the caller passes it in, so that search needs nothing from the pipeline); a synthetic
    objective needs none."""
    import optuna

    from learnlab.search.report import write_search_report

    search_dir = Path(search_dir)
    search_dir.mkdir(parents=True, exist_ok=True)
    storage_url = storage_url or default_storage_url(search_dir)
    study_name = study_name or spec.name
    settings = spec.settings
    optuna_logger = logging.getLogger("optuna")
    level = optuna_logger.level
    # one line per trial from us instead of Optuna's log records
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    try:
        storage = open_storage(
            storage_url,
            heartbeat_seconds=settings.heartbeat_seconds,
            grace_seconds=settings.grace_seconds,
        )
        study = open_study(storage, spec, study_name)
        plan = None
        if settings.sampler == "grid":
            plan = GridPlan.build(spec.space, study_grid_seed(study, settings.seed))
        start = tally(study, plan)
        console.print(
            f"[bold]search[/] {study_name}: {settings.objective}, {spec.direction} "
            f"{spec.metric}, sampler {settings.sampler}, pruner {settings.pruner}, "
            f"{spec.target_trials} trials ({start.finished} finished already), "
            f"storage {display_url(storage_url)}"
        )
        notes = list(spec.notes)
        if plan is not None and plan.seed != settings.seed:
            notes.append(
                f"this study's grid is run in the order of seed {plan.seed}, the seed it was "
                f"started with; seed {settings.seed} does not change it (a new --study would "
                "take it)."
            )
        for note in notes:
            console.print(f"[yellow]note[/]: {note}")
        _work(study, spec, plan, search_dir, study_name, console, train)
    finally:
        optuna_logger.setLevel(level)
    _print_best(study, spec, console)
    page = None
    if report:
        page = write_search_report(search_dir, study, spec, storage_url=storage_url)
        console.print(f"report: {page}")
    return SearchOutcome(search_dir, study, storage_url, page)


def _work(
    study: optuna.Study,
    spec: SearchSpec,
    plan: GridPlan | None,
    search_dir: Path,
    study_name: str,
    console: Console,
    train: TrainFunction | None,
) -> None:
    import optuna

    target = spec.target_trials
    evaluate = build_evaluator(spec, search_dir, study_name, train)
    worker = f"{socket.gethostname()}:{os.getpid()}"

    def objective(trial: optuna.Trial) -> float:
        trial.set_user_attr(WORKER_ATTR, worker)  # first: the trial is no orphan now
        trials = study.get_trials(deepcopy=False)
        ahead = [t for t in trials if t.number < trial.number and holds_a_place(t)]
        if plan is not None:
            this = next(t for t in trials if t.number == trial.number)
            reason = grid_point_taken(this, plan, ahead)
            if reason:
                trial.set_user_attr(SURPLUS_ATTR, reason)
                raise SurplusTrial(reason)
        if count_places(ahead, plan) >= target:
            trial.set_user_attr(SURPLUS_ATTR, True)
            raise SurplusTrial(f"the study already holds its {target} trials")
        trial.set_user_attr("sampler", spec.settings.sampler)
        params = suggest(spec.space, trial)
        try:
            return evaluate(trial, params)
        except TrainingDiverged as exc:
            trial.set_user_attr(ERROR_ATTR, str(exc).splitlines()[0])
            raise

    def print_trial(study: optuna.Study, trial: FrozenTrial) -> None:
        console.print(trial_line(trial, spec, tally(study, plan).finished))

    waiting_said = False
    while True:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            optuna.storages.fail_stale_trials(study)
        fail_orphaned_trials(study, orphan_seconds(spec))
        now = tally(study, plan)
        if now.finished >= target:
            return
        if plan is not None and queue_grid_point(study, plan, target):
            now = tally(study, plan)
        if now.waiting == 0 and now.places >= target:
            if not waiting_said:
                console.print(
                    f"waiting for {now.running} trial(s) underway in other workers "
                    "(a dead worker's trial is run again after the grace period)"
                )
                waiting_said = True
            time.sleep(POLL_SECONDS)
            continue
        waiting_said = False
        study.optimize(
            objective,
            n_trials=1,
            catch=(TrainingDiverged, SurplusTrial),
            callbacks=[print_trial],
        )


def grid_point_taken(trial: FrozenTrial, plan: GridPlan, ahead: list[FrozenTrial]) -> str:
    """Why the grid trial must not run (empty when it may): it runs a queued point that no
    trial before it holds (`ahead`: the earlier trials that hold a place)."""
    point = trial.system_attrs.get(FIXED_PARAMS)
    if point is None:
        return "no grid point was queued for it (another worker took the queued one)"
    key = plan.key(point)
    holders = [t.number for t in ahead if plan.key(trial_point(t)) == key]
    return f"trial {holders[0]} holds its grid point" if holders else ""


def trial_line(trial: FrozenTrial, spec: SearchSpec, finished: int) -> str:
    """One line per trial: number, state, value, parameters, seconds (rich markup)."""
    from learnlab.formatting import format_value

    state = trial.state.name
    colour = {"COMPLETE": "green", "PRUNED": "yellow", "FAIL": "red"}.get(state, "white")
    seconds = trial.duration.total_seconds() if trial.duration else 0.0
    surplus = trial.user_attrs.get(SURPLUS_ATTR)
    if surplus:
        why = surplus if isinstance(surplus, str) else "the study already holds its trials"
        return f"trial {trial.number:>4}  [dim]not run: {why} ({spec.target_trials} asked)[/]"
    value = format_value(trial.value) if trial.value is not None else ""
    if state == "PRUNED" and trial.intermediate_values:
        last_step = max(trial.intermediate_values)
        value = f"{format_value(trial.intermediate_values[last_step])} at step {last_step}"
    elif state == "FAIL":
        value = trial.user_attrs.get(ERROR_ATTR, "stopped")
    params = "  ".join(f"{k}={format_value(v)}" for k, v in trial.params.items())
    return (
        f"trial {trial.number:>4}  [{colour}]{state:<8}[/]  {value}  {params}  "
        f"{seconds:.1f} s  [dim]({finished}/{spec.target_trials})[/]"
    )


def _print_best(study: optuna.Study, spec: SearchSpec, console: Console) -> None:
    from learnlab.formatting import format_value

    try:
        best = study.best_trial
    except ValueError:
        console.print("[red]no trial completed[/]: there is no best trial yet")
        return
    params = "  ".join(f"{k}={format_value(v)}" for k, v in best.params.items())
    console.print(
        f"[bold]best[/]: trial {best.number}  {spec.metric} {format_value(best.value)}  {params}"
    )
