"""`learnlab search` in-process on synthetic objectives: random and TPE on Branin, the grid
visiting every point once (after failed trials, and with another seed on resuming), GP, median
and successive-halving pruning, the report, resuming a study, and the errors a user can make."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path

import optuna
import pytest

from learnlab.cli import main
from learnlab.search.runner import counts_toward_target, fail_orphaned_trials
from learnlab.search.synthetic import curve_value

BRANIN = """
[search]
objective = "synthetic:branin"
[search.space]
x1 = { type = "float", low = -5, high = 10 }
x2 = { type = "float", low = 0, high = 15 }
"""

CURVE = """
[search]
objective = "synthetic:curve"
sampler = "random"
trials = 14
[search.objective_options]
steps = 8
[search.space]
lr = { type = "float", low = 1e-5, high = 1, log = true }
"""


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))


def write(tmp_path: Path, text: str, name: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return path


def search(config: Path, search_dir: Path, *flags: str) -> int:
    return main(["search", "--config", str(config), "--search-dir", str(search_dir), *flags])


def load(search_dir: Path, name: str) -> optuna.Study:
    storage = f"sqlite:///{search_dir / 'study.db'}"
    return optuna.load_study(study_name=name, storage=storage)


def states(study: optuna.Study) -> list[str]:
    return [t.state.name for t in study.trials]


def test_random_search_on_branin_writes_the_report(tmp_path, capsys):
    config = write(tmp_path, BRANIN, "branin")
    out_dir = tmp_path / "random"
    assert search(config, out_dir, "--sampler", "random", "--trials", "30") == 0
    captured = capsys.readouterr()
    assert captured.out.strip().splitlines()[-1] == str(out_dir)  # last stdout line
    assert captured.err.count("COMPLETE") == 30 and "best: trial" in captured.err
    study = load(out_dir, "branin")
    assert states(study) == ["COMPLETE"] * 30
    assert 0.397887 <= study.best_value < 10  # 30 random points on [-5,10]x[0,15]

    results = json.loads((out_dir / "results.json").read_text())
    assert results["best"]["value"] == study.best_value
    assert results["best"]["trial"] == study.best_trial.number
    assert results["finished_trials"] == 30 and len(results["trials"]) == 30
    assert set(results["importances"]) == {"x1", "x2"}
    with open(out_dir / "results.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 30 and set(rows[0]) >= {"trial", "state", "objective", "x1", "x2"}
    page = (out_dir / "search.html").read_text()
    for heading in [
        "Best trial",
        "Trials",
        "Optimisation history",
        "Parameter importances (fANOVA)",
        "Parallel coordinates",
        "(slice)",
    ]:
        assert f">{heading}" in page or heading in page, heading
    assert page.count("data:image/png;base64,") >= 4


def test_tpe_finds_branin_minimum_neighbourhood_and_is_seeded(tmp_path):
    config = write(tmp_path, BRANIN, "branin")
    assert search(config, tmp_path / "a", "--sampler", "tpe", "--trials", "30", "--no-report") == 0
    study = load(tmp_path / "a", "branin")
    assert states(study) == ["COMPLETE"] * 30
    # seeded: this is one fixed run (best 0.70); random search's median best over 30 is ~1.6
    assert study.best_value < 1.0
    # the same seed gives the same trials; another seed others
    assert search(config, tmp_path / "b", "--sampler", "tpe", "--trials", "12", "--no-report") == 0
    assert [t.params for t in load(tmp_path / "b", "branin").trials] == [
        t.params for t in study.trials[:12]
    ]
    flags = ["--sampler", "tpe", "--trials", "3", "--no-report", "--seed", "1"]
    assert search(config, tmp_path / "c", *flags) == 0
    assert load(tmp_path / "c", "branin").trials[0].params != study.trials[0].params


def test_grid_visits_every_point_exactly_once(tmp_path):
    config = write(
        tmp_path,
        '[search]\nobjective = "synthetic:quadratic"\nsampler = "grid"\ntrials = 50\n'
        "[search.space]\n"
        'x = { type = "float", low = 0, high = 1.5, step = 0.5 }\n'
        'y = { type = "categorical", choices = [-1, 1, 2] }\n',
        "grid",
    )
    assert search(config, tmp_path / "g", "--no-report") == 0
    study = load(tmp_path / "g", "grid")
    assert states(study) == ["COMPLETE"] * 12  # the grid's size, not the 50 asked for
    visited = sorted((t.params["x"], t.params["y"]) for t in study.trials)
    assert visited == sorted(itertools.product([0, 0.5, 1.0, 1.5], [-1, 1, 2]))
    assert study.best_value == 0 and study.best_params == {"x": 1.0, "y": 1}
    # running it again finds the grid done: no trial is added
    assert search(config, tmp_path / "g", "--no-report") == 0
    assert len(load(tmp_path / "g", "grid").trials) == 12


GRID_CURVE = """
[search]
objective = "synthetic:curve"
sampler = "grid"
trials = 4
[search.objective_options]
steps = 3
[search.space]
lr = { type = "categorical", choices = [0.001, 0.01, 0.1, 1] }
"""
LRS = [0.001, 0.01, 0.1, 1]


def counted_points(study: optuna.Study, name: str) -> list:
    """The points of the trials that count toward the target, sorted."""
    return sorted(t.params[name] for t in study.trials if counts_toward_target(t))


def add_trial(study: optuna.Study, state: str, lr: float, **attrs) -> None:
    study.add_trial(
        optuna.create_trial(
            state=optuna.trial.TrialState[state],
            value=curve_value(lr, 3, 3) if state == "COMPLETE" else None,
            params={"lr": lr},
            distributions={"lr": optuna.distributions.CategoricalDistribution(LRS)},
            user_attrs=attrs.get("user_attrs", {}),
            system_attrs=attrs.get("system_attrs", {}),
        )
    )


def grid_sampler_attrs() -> dict[float, dict]:
    """The system attributes Optuna's GridSampler (which learnlab used) gives each point's
    trials: those of such a study's trials, and what that sampler counts as visited."""
    sampler = optuna.samplers.GridSampler({"lr": LRS}, seed=0)
    study = optuna.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_categorical("lr", LRS), n_trials=len(LRS))
    return {t.params["lr"]: t.system_attrs for t in study.trials}


def test_a_grid_reruns_the_points_of_trials_that_failed_without_counting(tmp_path):
    """Optuna's GridSampler took any FAIL trial's point as visited: an interrupted, orphaned,
    surplus or retry-exhausted trial's point was never run, and another ran twice."""
    config = write(tmp_path, GRID_CURVE, "grid")
    assert search(config, tmp_path / "f", "--trials", "1", "--no-report") == 0
    study = load(tmp_path / "f", "grid")
    first = study.trials[0].params["lr"]
    others = [lr for lr in LRS if lr != first]
    legacy = grid_sampler_attrs()
    # as a study of the grid sampler, and as one of queued points, would hold them
    add_trial(study, "FAIL", others[0], system_attrs=legacy[others[0]])  # Ctrl-C
    queued = {"fixed_params": {"lr": others[1]}, **legacy[others[1]]}
    add_trial(study, "RUNNING", others[1], system_attrs=queued)  # worker died before objective
    assert fail_orphaned_trials(study, older_than_seconds=-1) == [2]
    retries = {"failed_trial": 0, "retry_history": [0, 1, 2, 3], **legacy[others[2]]}
    add_trial(study, "FAIL", others[2], system_attrs=retries)  # no retry left
    add_trial(study, "FAIL", others[2], user_attrs={"surplus": True}, system_attrs=retries)
    assert [t.state.name for t in study.trials] == ["COMPLETE"] + ["FAIL"] * 4

    assert search(config, tmp_path / "f", "--no-report") == 0
    study = load(tmp_path / "f", "grid")
    assert counted_points(study, "lr") == LRS  # every point once
    assert [t.state.name for t in study.trials[5:]] == ["COMPLETE"] * 3  # nothing wasted
    assert sorted(t.params["lr"] for t in study.trials[5:]) == sorted(others)


def test_a_grid_study_that_ran_a_point_twice_still_runs_the_missing_one(tmp_path):
    """A study of an older learnlab (the reviewer's): a point twice and one never; the
    duplicate takes one place, so the missing point runs."""
    config = write(tmp_path, GRID_CURVE, "grid")
    assert search(config, tmp_path / "d", "--trials", "1", "--no-report") == 0
    study = load(tmp_path / "d", "grid")
    first = study.trials[0].params["lr"]
    add_trial(study, "COMPLETE", first)
    assert search(config, tmp_path / "d", "--no-report") == 0
    study = load(tmp_path / "d", "grid")
    assert counted_points(study, "lr") == sorted(LRS + [first])
    assert [t.state.name for t in study.trials[2:]] == ["COMPLETE"] * 3


def test_a_resumed_grid_keeps_its_order_whatever_the_seed(tmp_path, capsys):
    config = write(
        tmp_path,
        '[search]\nobjective = "synthetic:quadratic"\nsampler = "grid"\ntrials = 6\n'
        '[search.space]\nx = { type = "int", low = 0, high = 5 }\n',
        "seeds",
    )

    def xs(folder: str) -> list[int]:
        return [t.params["x"] for t in load(tmp_path / folder, "seeds").trials]

    assert search(config, tmp_path / "a", "--trials", "3", "--seed", "0", "--no-report") == 0
    assert search(config, tmp_path / "a", "--trials", "4", "--seed", "1", "--no-report") == 0
    assert "order of seed 0" in capsys.readouterr().err
    # the same four points as one run of four with the study's seed
    assert search(config, tmp_path / "b", "--trials", "4", "--seed", "0", "--no-report") == 0
    assert xs("a") == xs("b") and len(set(xs("a"))) == 4
    assert search(config, tmp_path / "c", "--trials", "4", "--seed", "1", "--no-report") == 0
    assert sorted(xs("c")) != sorted(xs("a"))  # a new study with another seed: another order
    assert search(config, tmp_path / "a", "--seed", "2", "--no-report") == 0
    study = load(tmp_path / "a", "seeds")
    assert sorted(xs("a")) == list(range(6)) and states(study) == ["COMPLETE"] * 6


def test_gaussian_process_sampler_runs_a_few_trials(tmp_path):
    config = write(
        tmp_path,
        BRANIN.replace(
            "[search]\n",
            '[search]\nsampler = "gp"\ntrials = 6\nsampler_options = { n_startup_trials = 3 }\n',
        ),
        "gp",
    )
    assert search(config, tmp_path / "gp", "--no-report") == 0
    study = load(tmp_path / "gp", "gp")
    assert states(study) == ["COMPLETE"] * 6
    assert {t.user_attrs["sampler"] for t in study.trials} == {"gp"}


@pytest.mark.parametrize("pruner", ["median", "halving"])
def test_pruners_stop_bad_learning_curves(tmp_path, pruner):
    config = write(tmp_path, CURVE, "curve")
    assert search(config, tmp_path / pruner, "--pruner", pruner, "--no-report") == 0
    study = load(tmp_path / pruner, "curve")
    pruned = [t for t in study.trials if t.state.name == "PRUNED"]
    complete = [t for t in study.trials if t.state.name == "COMPLETE"]
    assert len(study.trials) == 14 and pruned and complete
    assert all(len(t.intermediate_values) < 8 for t in pruned)  # stopped before the end
    assert all(len(t.intermediate_values) == 8 for t in complete)
    # without a pruner every trial runs its 8 steps
    assert search(config, tmp_path / "none", "--trials", "6", "--no-report") == 0
    assert states(load(tmp_path / "none", "curve")) == ["COMPLETE"] * 6


def test_a_resumed_study_keeps_its_trials_and_adds_the_rest(tmp_path):
    config = write(tmp_path, CURVE, "curve")
    assert search(config, tmp_path / "r", "--trials", "4", "--no-report") == 0
    first = [(t.number, t.params, t.value) for t in load(tmp_path / "r", "curve").trials]
    # a later run may change sampler and count, and continues the same study
    assert search(config, tmp_path / "r", "--trials", "7", "--sampler", "tpe", "--no-report") == 0
    study = load(tmp_path / "r", "curve")
    assert [(t.number, t.params, t.value) for t in study.trials[:4]] == first
    assert len(study.trials) == 7
    assert [t.user_attrs["sampler"] for t in study.trials] == ["random"] * 4 + ["tpe"] * 3


def test_a_study_refuses_a_different_space(tmp_path, capsys):
    config = write(tmp_path, CURVE, "curve")
    assert search(config, tmp_path / "s", "--trials", "2", "--no-report") == 0
    config.write_text(CURVE.replace("high = 1,", "high = 0.5,"))
    assert search(config, tmp_path / "s", "--no-report") == 2
    err = capsys.readouterr().err
    assert "started with a different space" in err and "--study NEW_NAME" in err
    assert search(config, tmp_path / "s", "--study", "other", "--trials", "2", "--no-report") == 0


def test_user_errors_exit_2_with_a_message(tmp_path, capsys):
    config = write(tmp_path, BRANIN, "branin")
    assert search(config, tmp_path / "e", "--sampler", "grid") == 2
    assert "continuous float range" in capsys.readouterr().err
    assert search(config, tmp_path / "e", "--storage", "not a url") == 2
    assert "is not a database URL" in capsys.readouterr().err
    assert search(config, tmp_path / "e", "--trials", "0") == 2
    assert "trials" in capsys.readouterr().err
    assert search(tmp_path / "missing.toml", tmp_path / "e") == 2
    assert "does not exist" in capsys.readouterr().err
