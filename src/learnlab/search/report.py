"""The search report: every trial in a table, the best one, parameter importances and figures.

Written into the search directory: `search.html` (through learnlab.report.html, one
self-contained page), `results.json` and `results.csv` (one row per trial). The figures are
Optuna's own (optuna.visualization.matplotlib): the optimisation history (each trial's value
and the best so far), parameter importances (fANOVA: Hutter, Hoos, Leyton-Brown 2014, "An
Efficient Approach for Assessing Hyperparameter Importance": the share of the objective's
variance, over a random forest fitted to the trials, that each parameter explains alone),
a slice plot (value against each parameter), a parallel-coordinate plot (two or more
parameters) and, when trials reported intermediate values, the learning curves the pruner saw.
"""

from __future__ import annotations

import csv
import io
import json
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from learnlab.io.atomic import atomic_write_text
from learnlab.search.spec import SearchSpec
from learnlab.search.study import display_url
from learnlab.search.trial_states import ERROR_ATTR, SURPLUS_ATTR, counts_toward_target

if TYPE_CHECKING:
    import optuna
    from matplotlib.figure import Figure
    from optuna.trial import FrozenTrial

REPORT_FILE = "search.html"
RESULTS_JSON = "results.json"
RESULTS_CSV = "results.csv"
# fANOVA's forest needs a few points to say anything
MIN_TRIALS_FOR_IMPORTANCE = 4


def trial_note(trial: FrozenTrial) -> str:
    """Why a trial ended as it did, in a few words."""
    surplus = trial.user_attrs.get(SURPLUS_ATTR)
    if surplus:
        return f"not run: {surplus if isinstance(surplus, str) else 'the study held its trials'}"
    if ERROR_ATTR in trial.user_attrs:
        return str(trial.user_attrs[ERROR_ATTR])
    notes = []
    if "failed_trial" in trial.system_attrs:
        notes.append(f"rerun of trial {trial.system_attrs['failed_trial']}")
    if trial.state.name == "PRUNED" and trial.intermediate_values:
        notes.append(f"pruned at step {max(trial.intermediate_values)}")
    if trial.state.name == "FAIL":
        notes.append("its worker stopped (killed or interrupted); not counted")
    return "; ".join(notes)


def trial_rows(study: optuna.Study, spec: SearchSpec) -> list[dict[str, Any]]:
    """One row per trial: number, state, value, parameters, seconds, note (and run dir)."""
    rows = []
    for trial in study.get_trials(deepcopy=False):
        row: dict[str, Any] = {"trial": trial.number, "state": trial.state.name}
        row[spec.metric] = trial.value
        for name in spec.space:
            row[name] = trial.params.get(name)
        row["seconds"] = round(trial.duration.total_seconds(), 3) if trial.duration else None
        row["note"] = trial_note(trial)
        if "run_dir" in trial.user_attrs:
            row["run_dir"] = trial.user_attrs["run_dir"]
        rows.append(row)
    return rows


def best_trial(study: optuna.Study) -> FrozenTrial | None:
    try:
        return study.best_trial
    except ValueError:  # no trial completed
        return None


def importances(study: optuna.Study, spec: SearchSpec) -> tuple[dict[str, float], str | None]:
    """fANOVA importances (seeded), or {} and the reason they are not available."""
    import optuna

    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if len(spec.space) < 2:
        return {}, "parameter importances need two or more parameters"
    if len(complete) < MIN_TRIALS_FOR_IMPORTANCE:
        return {}, f"parameter importances need {MIN_TRIALS_FOR_IMPORTANCE} complete trials"
    evaluator = optuna.importance.FanovaImportanceEvaluator(seed=spec.settings.seed)
    try:
        return optuna.importance.get_param_importances(study, evaluator=evaluator), None
    except (RuntimeError, ValueError) as exc:  # e.g. every trial has the same value
        return {}, f"parameter importances not computed: {exc}"


# Optuna draws these without a layout engine (and constrained layout fails on some of them)
_MARGINS = {
    "Parallel coordinates": {"bottom": 0.22, "right": 0.85},
    "Parameter importances (fANOVA)": {"left": 0.28, "right": 0.95},
}


def _figures(study: optuna.Study, spec: SearchSpec, have_importances: bool) -> dict[str, Figure]:
    """Optuna's matplotlib figures, taken out of pyplot's registry once drawn."""
    import matplotlib.pyplot as plt
    import numpy as np
    import optuna
    from matplotlib.ticker import NullFormatter
    from optuna.visualization import matplotlib as ovm

    name = spec.metric
    plots = {"Optimisation history": lambda: ovm.plot_optimization_history(study, target_name=name)}
    if have_importances:
        evaluator = optuna.importance.FanovaImportanceEvaluator(seed=spec.settings.seed)
        plots["Parameter importances (fANOVA)"] = lambda: ovm.plot_param_importances(
            study, evaluator=evaluator
        )
    plots[f"{name} against each parameter (slice)"] = lambda: ovm.plot_slice(
        study, target_name=name
    )
    if len(spec.space) >= 2:
        plots["Parallel coordinates"] = lambda: ovm.plot_parallel_coordinate(
            study, target_name=name
        )
    if any(t.intermediate_values for t in study.get_trials(deepcopy=False)):
        plots["Intermediate values (what the pruner saw)"] = lambda: ovm.plot_intermediate_values(
            study
        )
    figures = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ExperimentalWarning and matplotlib layout notes
        for title, plot in plots.items():
            axes = plot()
            figure = np.asarray(axes).flat[0].figure
            plt.close(figure)  # no pyplot state kept; the figure still renders
            for ax in figure.axes:  # labels at every minor tick of a log axis overlap
                if ax.get_xscale() == "log":
                    ax.xaxis.set_minor_formatter(NullFormatter())
            if title in _MARGINS:  # room for long (dotted) parameter names
                figure.set_size_inches(9.0, 5.5)
                figure.subplots_adjust(**_MARGINS[title])
            figures[title] = figure
    return figures


def write_search_report(
    search_dir: Path, study: optuna.Study, spec: SearchSpec, *, storage_url: str
) -> Path:
    """Write search.html, results.json and results.csv into `search_dir`; return the page."""
    from learnlab.formatting import format_value
    from learnlab.report.html import render_report

    search_dir = Path(search_dir)
    rows = trial_rows(study, spec)
    states = [row["state"] for row in rows]
    counts = {s: states.count(s) for s in ("COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING")}
    finished = sum(counts_toward_target(t) for t in study.get_trials(deepcopy=False))
    best = best_trial(study)
    scores, why_not = importances(study, spec) if best is not None else ({}, None)
    best_record = None
    if best is not None:
        best_record = {"trial": best.number, "value": best.value, "params": best.params}
        if "run_dir" in best.user_attrs:
            best_record["run_dir"] = best.user_attrs["run_dir"]
    settings = spec.settings
    results = {
        "study": study.study_name,
        "storage": display_url(storage_url),
        **spec.definition(),
        "sampler": settings.sampler,
        "pruner": settings.pruner,
        "seed": settings.seed,
        "target_trials": spec.target_trials,
        "finished_trials": finished,
        "counts": counts,
        "best": best_record,
        "importances": scores,
        "trials": rows,
    }
    atomic_write_text(search_dir / RESULTS_JSON, json.dumps(results, indent=2) + "\n")
    atomic_write_text(search_dir / RESULTS_CSV, _csv(rows))

    notes = [
        f"{spec.direction.capitalize()} {spec.metric} ({settings.objective}) with sampler "
        f"{settings.sampler}, pruner {settings.pruner}, seed {settings.seed}.",
        f"{finished} of {spec.target_trials} trials finished: {counts['COMPLETE']} complete, "
        f"{counts['PRUNED']} pruned, {counts['FAIL']} failed"
        + (f", {counts['RUNNING']} running" if counts["RUNNING"] else "")
        + ".",
    ]
    if best is not None:
        params = ", ".join(f"{k}={format_value(v)}" for k, v in best.params.items())
        notes.append(
            f"Best: trial {best.number}, {spec.metric} {format_value(best.value)} ({params})."
        )
    notes.append(f"Study {study.study_name!r} in {display_url(storage_url)}.")
    notes += spec.notes
    if why_not:
        notes.append(why_not.capitalize() + ".")
    tables: dict[str, list[dict[str, Any]]] = {}
    if best is not None:
        tables["Best trial"] = [{"trial": best.number, spec.metric: best.value, **best.params}]
    if scores:
        tables["Parameter importances (fANOVA)"] = [
            {"parameter": k, "importance": v} for k, v in scores.items()
        ]
    tables["Trials"] = rows
    figures = _figures(study, spec, bool(scores)) if best is not None else {}
    page = render_report(
        title=f"Search {study.study_name}: {spec.metric}",
        summary={},
        history=[],
        notes=notes,
        tables=tables,
        extra_figures=figures,
        config={
            "search": {k: v for k, v in settings.model_dump().items() if k != "space"},
            "space": {name: p.model_dump() for name, p in spec.space.items()},
            "base": spec.base,
        },
    )
    path = search_dir / REPORT_FILE
    atomic_write_text(path, page)
    return path


def _csv(rows: list[dict[str, Any]]) -> str:
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
