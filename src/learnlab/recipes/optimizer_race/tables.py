"""The optimizer race's tables and summary numbers."""

from __future__ import annotations

from typing import Any

from learnlab.recipes.optimizer_race.conditioning import METHODS, THEORY_SLOPES, ConditioningStudy
from learnlab.recipes.optimizer_race.config import LINE_SEARCH_OPTIMIZERS
from learnlab.recipes.optimizer_race.race import ProblemRace, RaceRun, time_to_target


def _gap(race: ProblemRace, run: RaceRun) -> float:
    """The final objective, less f* where it is known."""
    optimum = race.problem.optimum
    return run.final() - optimum if optimum is not None else run.final()


def _batches(race: ProblemRace, name: str) -> str:
    if race.problem.minibatch is None or name in LINE_SEARCH_OPTIMIZERS:
        return "full batch"
    return f"minibatch {race.problem.minibatch}"


RACE_COLUMNS = (
    "problem",
    "optimizer",
    "lr (chosen)",
    "batches",
    "final f - f* (mlp: f)",
    "objective evaluations (passes over the data)",
    "iterations to target",
    "seconds to target",
    "seconds in all",
)


def at_grid_edge(race: ProblemRace, name: str) -> bool:
    """Whether the chosen lr is the smallest or largest of a grid of several: the best lr
    may lie outside the grid (widen it with `lr_grids`)."""
    lrs = [run.lr for run in race.grids[name]]
    return len(lrs) > 1 and race.chosen[name].lr in (min(lrs), max(lrs))


def _race_row(race: ProblemRace, name: str, run: RaceRun, tolerance: float) -> list[str]:
    reached = time_to_target(race.problem, run, tolerance)
    unit_step = name in LINE_SEARCH_OPTIMIZERS and len(race.grids[name]) == 1
    return [
        race.problem.name,
        name,
        "1 (line search / unit step)"
        if unit_step
        else f"{run.lr:g}" + (" (grid edge)" if at_grid_edge(race, name) else ""),
        _batches(race, name),
        "diverged" if run.diverged else f"{_gap(race, run):.3e}",
        f"{run.passes:.0f}",
        "not reached" if reached is None else str(reached[0]),
        "not reached" if reached is None else f"{reached[1]:.3f}",
        f"{run.seconds[-1]:.3f}",
    ]


def race_rows(races: list[ProblemRace], tolerance: float) -> list[dict[str, str]]:
    rows = []
    for race in races:
        for name, run in race.chosen.items():
            rows.append(dict(zip(RACE_COLUMNS, _race_row(race, name, run, tolerance), strict=True)))
        for name, reason in race.left_out.items():
            cells = [race.problem.name, name, "-", f"left out: {reason}"] + ["-"] * 5
            rows.append(dict(zip(RACE_COLUMNS, cells, strict=True)))
    return rows


def grid_rows(races: list[ProblemRace]) -> list[dict[str, str]]:
    return [
        {
            "problem": race.problem.name,
            "optimizer": name,
            "lr": f"{run.lr:g}",
            "final objective": "diverged" if run.diverged else f"{run.final():.6g}",
            "chosen": "yes" if run is race.chosen[name] else "",
        }
        for race in races
        for name, runs in race.grids.items()
        for run in runs
    ]


def conditioning_rows(study: ConditioningStudy) -> list[dict[str, str]]:
    rows = []
    for i, kappa in enumerate(study.kappas):
        row = {"kappa": f"{kappa:g}"}
        for method in METHODS:
            row[f"{method}: measured"] = str(study.iterations[method][i])
            row[f"{method}: theory"] = f"{study.theory[method][i]:.0f}"
        rows.append(row)
    return rows


def slope_rows(study: ConditioningStudy) -> list[dict[str, str]]:
    return [
        {
            "method": method,
            "fitted slope of log iterations on log kappa": f"{study.slopes[method]:.3f}",
            "theory": f"{THEORY_SLOPES[method]:g}",
        }
        for method in METHODS
    ]


def summary(races: list[ProblemRace], study: ConditioningStudy, tolerance: float) -> dict[str, Any]:
    numbers: dict[str, Any] = {}
    for race in races:
        p = race.problem.name
        numbers[f"{p}_optimum"] = race.problem.optimum
        for name, run in race.chosen.items():
            reached = time_to_target(race.problem, run, tolerance)
            numbers[f"{p}_{name}_lr"] = run.lr
            numbers[f"{p}_{name}_lr_at_grid_edge"] = at_grid_edge(race, name)
            numbers[f"{p}_{name}_final"] = None if run.diverged else run.final()
            numbers[f"{p}_{name}_iterations_to_target"] = None if reached is None else reached[0]
            numbers[f"{p}_{name}_seconds_to_target"] = None if reached is None else reached[1]
        numbers[f"{p}_left_out"] = sorted(race.left_out)
    numbers["slope_gradient_descent"] = study.slopes["gradient descent"]
    numbers["slope_heavy_ball"] = study.slopes["heavy-ball momentum"]
    return numbers
