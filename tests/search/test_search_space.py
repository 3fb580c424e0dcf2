"""The search file and its space: parsing, validation errors that say what to do, grid values,
trial configs, the synthetic objectives against their known optima, samplers and pruners."""

from __future__ import annotations

import math
import warnings
from fractions import Fraction
from pathlib import Path

import optuna
import pytest
from scipy.optimize import minimize

from learnlab.io.errors import ConfigError
from learnlab.search import space as sp
from learnlab.search.grid import GridPlan, QueuedGridSampler, value_key
from learnlab.search.pruners import build_pruner
from learnlab.search.samplers import PerTrialSeed, build_sampler, trial_seed
from learnlab.search.spec import infer_direction, load_search
from learnlab.search.synthetic import (
    BRANIN_MINIMIZERS,
    BRANIN_MINIMUM,
    branin,
    curve_value,
    get_synthetic,
)

TRAIN_SEARCH = """
dataset = "digits"
model = "mlp"
epochs = 2
[search]
sampler = "SAMPLER"
[search.space]
SPACE
"""


def write(tmp_path: Path, text: str, name: str = "search.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def train_search(tmp_path: Path, space: str, sampler: str = "tpe") -> Path:
    return write(tmp_path, TRAIN_SEARCH.replace("SAMPLER", sampler).replace("SPACE", space))


def test_a_search_file_reads_into_settings_space_and_base(tmp_path):
    path = train_search(
        tmp_path,
        'lr = { type = "float", low = 1e-4, high = 0.1, log = true }\n'
        'batch_size = { type = "categorical", choices = [32, 64, 128] }\n'
        '"model_options.width" = { type = "int", low = 16, high = 256, log = true }\n'
        'optimizer_options.eps = { type = "float", low = 1e-8, high = 1e-6 }\n',
    )
    spec = load_search(path, trials=7, assignments=["epochs=3"])
    assert list(spec.space) == ["lr", "batch_size", "model_options.width", "optimizer_options.eps"]
    assert isinstance(spec.space["lr"], sp.FloatParam) and spec.space["lr"].log
    assert spec.space["batch_size"].choices == [32, 64, 128]
    assert spec.settings.trials == 7 and spec.target_trials == 7
    assert spec.base["epochs"] == 3 and spec.base["dataset"] == "digits"
    assert (spec.metric, spec.direction, spec.name) == ("val_accuracy", "maximize", "search")
    config = sp.trial_config(spec.base, {"lr": 0.01, "model_options.width": 40})
    assert config.lr == 0.01 and config.model_options == {"width": 40}
    assert spec.base["model_options"] == {}  # the base is not changed by a trial


@pytest.mark.parametrize(
    ("space", "message"),
    [
        ('lr = { type = "normal", low = 0, high = 1 }', "unknown type 'normal'"),
        ("lr = { low = 0, high = 1 }", "unknown type None"),
        ('lr = { type = "float", low = 0.1, high = 0.01 }', "low 0.1 is above high 0.01"),
        ('lr = { type = "float", low = 0, high = 1, log = true }', "log scale needs low > 0"),
        ('lr = { type = "float", low = 0.1, high = 1, log = true, step = 0.1 }', "cannot be"),
        ('width = { type = "int", low = 8, high = 4 }', "low 8 is above high 4"),
        ('lr = { type = "float", low = 0, high = 1, stepp = 0.1 }', "stepp: unknown key"),
        ('b = { type = "categorical", choices = [] }', "choices"),
        ('b = { type = "categorical", choices = [1, 2, 1] }', "repeat a value"),
        ('x = { type = "float", low = 0, high = 1, step = 0.3 }', "not a multiple of step"),
        ("lr = 0.1", "must be a table"),
    ],
)
def test_invalid_parameters_are_clear_errors(tmp_path, space, message):
    with pytest.raises(ConfigError, match="search space parameter") as info:
        load_search(train_search(tmp_path, space))
    assert message in str(info.value)


def test_grid_needs_finite_parameters_and_says_how(tmp_path):
    path = train_search(
        tmp_path,
        'lr = { type = "float", low = 0.001, high = 0.1 }\n'
        'batch_size = { type = "categorical", choices = [32, 64] }',
        sampler="grid",
    )
    with pytest.raises(ConfigError) as info:
        load_search(path)
    text = str(info.value)
    assert "'lr' is a continuous float range" in text and "step" in text and "random" in text


def test_grid_values_and_size(tmp_path):
    space = sp.parse_space(
        {
            "x": {"type": "float", "low": 0, "high": 1, "step": 0.25},
            "n": {"type": "int", "low": 2, "high": 10, "step": 4},
            "c": {"type": "categorical", "choices": ["a", "b"]},
        }
    )
    grid = sp.grid_values(space)
    assert grid == {"x": [0, 0.25, 0.5, 0.75, 1.0], "n": [2, 6, 10], "c": ["a", "b"]}
    assert sp.grid_size(space) == 30
    path = write(
        tmp_path,
        '[search]\nobjective = "synthetic:quadratic"\nsampler = "grid"\ntrials = 100\n'
        '[search.space]\nx = { type = "int", low = 0, high = 3 }\n',
    )
    spec = load_search(path)
    assert spec.target_trials == 4 and "4 points" in spec.notes[0]


def test_float_grid_values_are_the_decimals_written_and_stay_in_range():
    """low + i * step in floating point gives 0.30000000000000004 for 0.1 + 2 * 0.1; the grid
    holds the decimal values, and Optuna takes every one of them without a warning."""
    cases = [(0.1, 0.3, 0.1), (-0.3, 0.3, 0.1), (1e-7, 3e-7, 1e-7), (0.0, 1.0, 0.05)]
    for low, high, step in cases:
        space = sp.parse_space({"x": {"type": "float", "low": low, "high": high, "step": step}})
        values = sp.grid_values(space)["x"]
        count = round((high - low) / step) + 1
        # oracle: exact rational arithmetic on the numbers as written
        expected = [float(Fraction(str(low)) + i * Fraction(str(step))) for i in range(count)]
        assert values == expected
        assert values[0] == low and values[-1] == high
        assert all(low <= v <= high for v in values)

        def objective(trial, low=low, high=high, step=step):
            return trial.suggest_float("x", low, high, step=step)

        study = optuna.create_study(sampler=QueuedGridSampler())
        for v in values:
            study.enqueue_trial({"x": v})
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "out of range" would be an optuna warning
            study.optimize(objective, n_trials=count)
        assert [t.params["x"] for t in study.trials] == values
    assert 0.1 + 2 * 0.1 > 0.3  # what the grid used to hold


def test_grid_plan_orders_every_point_once_by_its_seed():
    space = sp.parse_space(
        {
            "x": {"type": "float", "low": 0, "high": 1, "step": 0.5},
            "c": {"type": "categorical", "choices": [1, 1.0, True, "a"]},
        }
    )
    plan = GridPlan.build(space, seed=3)
    keys = [plan.key(p) for p in plan.order]
    assert len(keys) == len(set(keys)) == 12  # 1, 1.0 and True stay three choices
    assert GridPlan.build(space, seed=3).order == plan.order
    assert GridPlan.build(space, seed=4).order != plan.order
    assert value_key(0.1 + 2 * 0.1) == value_key(0.3)
    assert plan.key({"x": 0.0}) is None  # a parameter missing: no point
    held = {plan.key(p) for p in plan.order[:5]}
    assert plan.next_free(held) == plan.order[5]
    assert plan.next_free({plan.key(p) for p in plan.order}) is None


def test_nested_tables_read_as_dotted_names():
    space = sp.parse_space({"model_options": {"width": {"type": "int", "low": 1, "high": 4}}})
    assert list(space) == ["model_options.width"]


def test_a_trial_config_that_trainconfig_rejects_is_an_error_before_any_trial(tmp_path):
    # lr must be > 0: a range reaching 0 is caught when the file is read, naming the value
    path = train_search(tmp_path, 'lr = { type = "float", low = 0.0, high = 0.1 }')
    with pytest.raises(ConfigError) as info:
        load_search(path)
    assert "lr=0.0" in str(info.value) and "narrow that parameter" in str(info.value)
    path = train_search(tmp_path, 'depth = { type = "int", low = 1, high = 3 }')
    with pytest.raises(ConfigError, match="depth: unknown key"):
        load_search(path)
    path = train_search(tmp_path, '"lr.x" = { type = "int", low = 1, high = 3 }')
    with pytest.raises(ConfigError, match="'lr' holds a value"):
        load_search(path)


def test_search_table_and_settings_errors(tmp_path):
    with pytest.raises(ConfigError, match=r"no \[search\] table"):
        load_search(write(tmp_path, 'dataset = "digits"\n'))
    with pytest.raises(ConfigError, match="sampler"):
        load_search(train_search(tmp_path, 'lr = { type = "float", low = 0.01, high = 0.1 }', "x"))
    with pytest.raises(ConfigError, match=r"missing or empty"):
        load_search(write(tmp_path, '[search]\nobjective = "synthetic:quadratic"\n'))
    with pytest.raises(ConfigError, match="unknown synthetic objective 'branon'"):
        load_search(
            write(
                tmp_path,
                '[search]\nobjective = "synthetic:branon"\n'
                '[search.space]\nx = { type = "float", low = 0, high = 1 }\n',
            )
        )
    with pytest.raises(ConfigError, match="takes the parameters x1, x2"):
        load_search(
            write(
                tmp_path,
                '[search]\nobjective = "synthetic:branin"\n'
                '[search.space]\nx = { type = "float", low = 0, high = 1 }\n',
            )
        )


def test_direction_is_inferred_from_the_metric_or_asked_for():
    assert infer_direction("val_accuracy") == "maximize"
    assert infer_direction("test_macro_f1") == "maximize"
    assert infer_direction("val_loss") == "minimize"
    assert infer_direction("anything", synthetic=True) == "minimize"
    with pytest.raises(ConfigError, match="set direction"):
        infer_direction("epochs_completed")


def test_branin_matches_its_published_minimum():
    # the oracle: scipy's optimiser started near each known minimiser converges to 0.397887
    for x0 in BRANIN_MINIMIZERS:
        assert branin(*x0) == pytest.approx(BRANIN_MINIMUM, abs=1e-5)
        found = minimize(lambda x: branin(x[0], x[1]), [x0[0] + 0.3, x0[1] - 0.3], tol=1e-10)
        assert found.fun == pytest.approx(BRANIN_MINIMUM, abs=1e-6)
        assert found.x == pytest.approx(x0, abs=1e-3)
    # at the origin: (0 - 0 + 0 - 6)^2 + 10 (1 - 1/(8 pi)) cos 0 + 10
    assert branin(0.0, 0.0) == pytest.approx(36 + 10 * (1 - 1 / (8 * math.pi)) + 10)


def test_curve_is_a_learning_curve_whose_end_depends_on_lr():
    steps = 20
    good = [curve_value(0.01, t, steps) for t in range(1, steps + 1)]
    bad = [curve_value(1e-4, t, steps) for t in range(1, steps + 1)]
    assert all(a > b for a, b in zip(good, good[1:], strict=False))  # decreasing
    assert all(g < b for g, b in zip(good, bad, strict=True))  # worse lr, worse at every step
    assert good[-1] == pytest.approx(0.1 + math.exp(-3))


def test_curve_reports_every_step_and_stops_when_pruned():
    objective = get_synthetic("synthetic:curve")
    from learnlab.search.synthetic import SyntheticOptions

    seen: list[int] = []

    def report(value: float, step: int) -> None:
        seen.append(step)
        if step == 3:
            raise optuna.TrialPruned

    with pytest.raises(optuna.TrialPruned):
        objective({"lr": 0.1}, report, SyntheticOptions(steps=10))
    assert seen == [1, 2, 3]


def test_samplers_and_pruners_by_name():
    space = sp.parse_space({"x": {"type": "int", "low": 0, "high": 3}})
    assert isinstance(build_sampler("grid", space, seed=0), QueuedGridSampler)
    with pytest.raises(ConfigError, match="takes no option 'seed'.*none"):
        build_sampler("grid", space, seed=0, options={"seed": 3})
    for name, cls in [
        ("random", optuna.samplers.RandomSampler),
        ("tpe", optuna.samplers.TPESampler),
        ("gp", optuna.samplers.GPSampler),
    ]:
        sampler = (
            build_sampler(name, space, seed=3, options={"n_startup_trials": 2})
            if (name != "random")
            else build_sampler(name, space, seed=3)
        )
        assert isinstance(sampler, PerTrialSeed) and isinstance(sampler._current, cls)
    assert isinstance(build_pruner("median"), optuna.pruners.MedianPruner)
    assert isinstance(
        build_pruner("halving", {"reduction_factor": 3}), optuna.pruners.SuccessiveHalvingPruner
    )
    assert isinstance(build_pruner("none"), optuna.pruners.NopPruner)
    with pytest.raises(ConfigError, match="takes no option 'n_startup'.*n_startup_trials"):
        build_sampler("tpe", space, seed=0, options={"n_startup": 3})
    with pytest.raises(ConfigError, match="takes no option 'seed'"):
        build_sampler("random", space, seed=0, options={"seed": 3})
    with pytest.raises(ConfigError, match="takes no option 'patience'"):
        build_pruner("median", {"patience": 3})
    assert trial_seed(0, 1) != trial_seed(0, 2) and trial_seed(0, 1) == trial_seed(0, 1)


def test_per_trial_seeds_give_the_same_draws_to_the_same_trial_numbers():
    """Trial k draws the same values whatever ran before it in this process."""
    space = sp.parse_space({"x": {"type": "float", "low": 0, "high": 1}})

    def draws(order_of_studies: int) -> list[float]:
        sampler = build_sampler("random", space, seed=5)
        study = optuna.create_study(sampler=sampler)
        for _ in range(order_of_studies):  # exercise the sampler on another study first
            optuna.create_study(sampler=sampler).optimize(
                lambda t: t.suggest_float("x", 0, 1), n_trials=2
            )
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=4)
        return [t.params["x"] for t in study.trials]

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    first, second = draws(0), draws(1)
    assert first == second and len(set(first)) == 4
