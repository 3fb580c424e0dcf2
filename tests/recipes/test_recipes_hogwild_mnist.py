"""The hogwild-mnist recipe: synchronous SGD against Hogwild with 1 and 2 workers on MNIST.

Fast tests: a quick run reports every method with its spread and the convergence figure, with
one worker equal to the synchronous run (both deterministic); bad settings are ConfigErrors
naming the setting and exit 2 from the CLI. The slow test asserts the issue's acceptance item
on the default configuration: Hogwild with 2 workers within 0.5 points of synchronous training
(mean over the seeds).
"""

from __future__ import annotations

import pytest

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.machine import usable_cores
from learnlab.recipes.hogwild_mnist.config import HogwildMnistConfig
from learnlab.recipes.runner import run_recipe

NAME = "hogwild-mnist"

pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def test_quick_run_compares_every_method_over_the_seeds(tmp_path, quick_run_copy):
    result = quick_run_copy(NAME, tmp_path / NAME).result
    summary = result.summary
    assert summary["seeds"] == 2 and summary["examples"] == 3 * 1437  # 3 epochs of the digits
    for method in ("synchronous", "hogwild_1", "hogwild_2"):
        assert summary[f"{method}_test_accuracy"] > 60  # a constant predictor scores ~10%
        assert summary[f"{method}_test_accuracy_min"] <= summary[f"{method}_test_accuracy_max"]
        assert summary[f"{method}_examples_per_second"] > 0
    # one worker is the synchronous run's SGD, bit for bit: the same accuracies, seed by seed
    assert summary["hogwild_1_minus_synchronous_min"] == 0.0
    assert summary["hogwild_1_minus_synchronous_max"] == 0.0
    assert "hogwild_2_minus_synchronous_std" in summary and "acceptance_met" in summary
    [figure] = result.figures
    curves = figure.data["curves"]
    assert sorted(curves) == ["hogwild_1", "hogwild_2", "synchronous"]
    # per method one curve per seed, from 0 examples to all of them
    ends = [(curve[0][0], curve[-1][0]) for seeds in curves.values() for curve in seeds]
    assert len(ends) == 3 * 2 and set(ends) == {(0, 3 * 1437)}
    table = next(iter(result.tables.values()))
    assert [row["method"] for row in table] == [
        "synchronous",
        "Hogwild, 1 worker",
        "Hogwild, 2 workers",
    ]


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"workers": [0]}, "workers"),
        ({"workers": [1, usable_cores() + 1]}, "workers"),
        ({"workers": []}, "workers"),
        ({"workers": [1, 1]}, "workers"),
        ({"lr": 0}, "lr"),
        ({"lr": -0.05}, "lr"),
        ({"lr_decay": 0}, "lr_decay"),
        ({"lr_decay": 1.5}, "lr_decay"),
        ({"seeds": 0}, "seeds"),
        ({"start_method": "thread"}, "start_method"),
        ({"dataset": "cifar10"}, "dataset"),
    ],
)
def test_bad_settings_are_config_errors_naming_the_setting(data, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(HogwildMnistConfig, data)


def test_bad_workers_or_learning_rate_from_the_cli_exit_2(tmp_path, capsys):
    argv = ["run", NAME, "--run-dir", str(tmp_path / "x")]
    for setting in (
        "workers=[0]",
        f"workers=[{usable_cores() + 1}]",
        "lr=0",
        "lr=-1",
        "lr_decay=0",
    ):
        assert main([*argv, "--set", setting]) == 2
        err = capsys.readouterr().err
        assert setting.split("=")[0] in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_workers_past_the_time_limit_exit_1_with_a_message_and_no_process_left(
    tmp_path, capsys, quick
):
    import json
    import multiprocessing

    settings = [f"{k}={json.dumps(v)}" for k, v in quick(NAME, timeout_seconds=0.001).items()]
    argv = ["run", NAME, "--run-dir", str(tmp_path / "x")]
    assert main([*argv, *(a for s in settings for a in ("--set", s))]) == 1
    err = capsys.readouterr().err
    assert "did not finish within the time limit" in err and "Traceback" not in err
    assert multiprocessing.active_children() == []


@pytest.mark.slow
def test_default_two_workers_within_half_a_point_of_synchronous(tmp_path, data_root):
    settings = {"data_root": str(data_root), "download": False, "progress": False}
    summary = run_recipe(NAME, settings, run_dir=tmp_path / NAME).summary
    assert summary["seeds"] >= 3
    assert abs(summary["hogwild_2_minus_synchronous"]) <= 0.5, summary
    assert summary["acceptance_met"]
