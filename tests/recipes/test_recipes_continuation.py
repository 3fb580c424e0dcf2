"""The continuation recipe: a quick run measures both tasks (the bumpy sine fit, the deep
narrow MLP) for continuation and the plain schedule over 3 seeds with spreads; a negative
noise scale and an empty schedule exit 2 from the CLI; on the sine fit, continuation reaches
the global minimum from a start where the plain schedule stays in a local one."""

from __future__ import annotations

import json

import pytest

from learnlab.cli import main
from learnlab.recipes.continuation import ContinuationConfig, frequency_runs

NAME = "continuation"

pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def test_quick_run_measures_both_tasks_and_both_arms_over_three_seeds(tmp_path, quick_run_copy):
    run_dir = tmp_path / NAME
    summary = quick_run_copy(NAME, run_dir).summary
    assert (summary["seeds"], summary["deep_seeds"]) == (3, 3)
    for arm in ("continuation", "plain"):
        assert 0 <= summary[f"frequency_found_{arm}"] <= 1
        assert f"frequency_train_loss_{arm}_std" in summary
        assert 0 <= summary[f"deep_test_accuracy_{arm}"] <= 1
        assert f"deep_test_accuracy_{arm}_std" in summary
    rows = json.loads((run_dir / "tables.json").read_text())["continuation against plain"]
    assert [row["arm"] for row in rows] == ["continuation", "plain"]
    assert json.loads((run_dir / "figures.json").read_text())


def test_on_the_sine_fit_continuation_escapes_the_local_minimum_that_traps_plain():
    # seed 4 draws w_0 = 4.57: plain descent stops in the local minimum near 5.46 (measured)
    config = ContinuationConfig(points=256)
    runs = frequency_runs(config, seed=4)
    assert runs["continuation"]["w0"] == runs["plain"]["w0"]
    assert runs["continuation"]["found"] and not runs["plain"]["found"]
    assert runs["continuation"]["train_loss"] < runs["plain"]["train_loss"]


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("sigmas=[1.0, -0.5, 0.0]", "noise scale must be >= 0"),
        ("sigmas=[]", "schedule is empty"),
        ("deep_sigmas=[0.5]", "real objective"),
    ],
)
def test_bad_schedules_from_the_cli_exit_2(tmp_path, capsys, setting, message):
    argv = ["run", NAME, "--run-dir", str(tmp_path / "x"), "--set", setting]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and setting.split("=")[0] in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()
