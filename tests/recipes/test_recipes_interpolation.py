"""The interpolation reproduction (Goodfellow, Vinyals & Saxe 2015): two MNIST MLPs, the loss
along the line from initialisation to solution and between the two solutions, and a plane of
filter-normalised directions; quick runs through the Python API and the CLI, resume from the
stored weights and scan checkpoints, and settings refused before anything runs."""

from __future__ import annotations

import json

import pytest

from learnlab import config as cfg
from learnlab.analysis.landscape import barrier_height, largest_rise
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes import get_recipe
from learnlab.recipes.interpolation.config import InterpolationConfig
from learnlab.recipes.reproduce import TABLE_NAME
from learnlab.recipes.runner import run_recipe, saved_config

NAME = "interpolation"
TIMING = ("train_seconds", "scan_seconds")


pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def test_defaults_put_both_ends_of_the_path_on_the_grid():
    config = InterpolationConfig()
    alphas = config.alphas()
    assert len(alphas) == 41 and alphas[0] == -0.5 and alphas[-1] == 1.5
    assert 0.0 in alphas and 1.0 in alphas
    axis = config.plane_axis()
    assert len(axis) == 21 and 0.0 in axis and (axis[0], axis[-1]) == (-1.0, 1.0)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"line_points": 10}, "miss alpha"),
        ({"batch_norm": "live"}, "batch_norm"),
        ({"epochs": 0}, "epochs"),
        ({"plane_points": 1}, "plane_points"),
    ],
)
def test_bad_settings_are_config_errors(data, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(InterpolationConfig, data)


def test_bad_settings_through_the_cli_exit_2_without_a_traceback(tmp_path, capsys):
    argv = ["reproduce", NAME, "--quick", "--run-dir", str(tmp_path / "run")]
    assert main([*argv, "--set", "line_points=10"]) == 2
    err = capsys.readouterr().err
    assert "line_points" in err and "Traceback" not in err
    assert not (tmp_path / "run").exists()


def test_quick_reproduction_measures_the_lines_and_the_plane(tmp_path, quick):
    run_dir = tmp_path / "run"
    argv = ["reproduce", NAME, "--quick", "--run-dir", str(run_dir)]
    for key, value in quick(NAME).items():
        argv += ["--set", f"{key}={json.dumps(value)}"]
    assert main(argv) == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    (row,) = json.loads((run_dir / "tables.json").read_text())[TABLE_NAME]
    assert row["paper"] == "0.000"
    assert float(row["measured (mean)"]) == pytest.approx(
        summary["init_to_solution_largest_rise_relative"], abs=5e-4
    )
    # the numbers are those of the scans' own checkpoint files, read back here
    points = json.loads((run_dir / "landscape" / "init-to-solution-train.json").read_text())
    alphas = points["spec"]["alphas"]
    loss = [points["points"][str(i)]["loss"] for i in range(len(alphas))]
    assert summary["init_to_solution_largest_rise"] == largest_rise(alphas, loss)
    assert summary["initial_train_loss"] == loss[alphas.index(0.0)]
    assert summary["solution_train_loss"] == loss[alphas.index(1.0)] < loss[alphas.index(0.0)]
    between = json.loads((run_dir / "landscape" / "solution-to-solution-test.json").read_text())
    test_loss = [between["points"][str(i)]["loss"] for i in range(len(alphas))]
    assert summary["barrier_test_loss"] == pytest.approx(barrier_height(alphas, test_loss))
    plane = json.loads((run_dir / "landscape" / "plane.json").read_text())
    assert len(plane["points"]) == 5 * 5
    assert summary["plane_center_loss"] == plane["points"]["2,2"]["loss"]
    # the plane's centre is the first solution: its loss on the first training images
    assert summary["plane_min_loss"] <= summary["plane_center_loss"] <= summary["plane_max_loss"]
    assert summary["batch_norm"] == "frozen"
    figures = json.loads((run_dir / "figures.json").read_text())
    assert len(figures) == 3


def test_resume_trains_no_seed_twice_and_finishes_the_scans(tmp_path, quick_run_copy, capsys):
    run_dir = tmp_path / "run"
    first = quick_run_copy(NAME, run_dir).summary
    # as if stopped during the plane: a part of its rows written, the rest not yet
    plane = run_dir / "landscape" / "plane.json"
    stored = json.loads(plane.read_text())
    stored["points"] = {k: v for k, v in stored["points"].items() if k.startswith(("0,", "1,"))}
    plane.write_text(json.dumps(stored))
    (run_dir / "landscape" / "solution-to-solution-test.json").unlink()
    (run_dir / "summary.json").unlink()
    capsys.readouterr()
    again = run_recipe(NAME, saved_config(run_dir), resume=run_dir).summary
    err = capsys.readouterr().err
    assert "seed-0: finished in an earlier attempt" in err
    assert "seed-1: finished in an earlier attempt" in err
    assert {k: v for k, v in again.items() if k not in TIMING} == {
        k: v for k, v in first.items() if k not in TIMING
    }
    assert len(json.loads(plane.read_text())["points"]) == 25


# -- the claim --------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_default_configuration_falls_monotonically_and_finds_a_barrier(tmp_path, data_root):
    run_dir = tmp_path / "run"
    argv = ["reproduce", NAME, "--run-dir", str(run_dir)]
    argv += ["--set", f"data_root={json.dumps(str(data_root))}", "--set", "download=false"]
    assert main([*argv, "--set", "progress=false"]) == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    (claim,) = get_recipe(NAME).reproduction.claims
    assert abs(claim.measure(summary) - claim.paper) <= claim.tolerance, summary
    assert summary["barrier_train_loss"] > 0.1, summary
    assert summary["test_accuracy"] > 0.97, summary
