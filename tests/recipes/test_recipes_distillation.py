"""The distillation reproduction (Hinton, Vinyals & Dean 2015, MNIST): teacher, scratch and
distilled students and the student that never saw a 3, beside the paper.

Fast tests: the defaults are the paper's networks and temperature; bad settings are refused
(ConfigError naming the setting; exit 2 from the CLI, no traceback); a quick run trains the
teacher once and each kind of student per seed as parts, its summary is the mean and spread of
the parts, the omitted student's transfer set holds no 3 and none of the validation images,
and --resume keeps the teacher; the omitted class's bias shift is chosen on validation data,
checked against hand-made logits. The slow test asserts the default configuration's targets.
"""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes.distillation.config import DistillationConfig
from learnlab.recipes.distillation.training import bias_sweep, shifted_errors
from learnlab.recipes.runner import run_recipe, saved_config

NAME = "distillation"

pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def test_the_defaults_are_the_papers_networks_and_temperature():
    config = DistillationConfig()
    assert (config.teacher_width, config.student_width) == (1200, 800)
    assert (config.dropout, config.input_dropout, config.jitter) == (0.5, 0.2, 2)
    assert (config.temperature, config.omitted_digit) == (20.0, 3)
    assert config.hard_weight == pytest.approx(1 / 3)
    assert config.seeds >= 2 and config.limit_train is None and config.limit_test is None


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"temperature": 0}, "temperature"),
        ({"temperature": -2.0}, "temperature"),
        ({"hard_weight": 1.5}, "hard_weight"),
        ({"hard_weight": -0.1}, "hard_weight"),
        ({"omitted_digit": 10}, "omitted_digit"),
        ({"limit_train": 1000, "validation": 1000}, "validation=1000: .* choose validation < 1000"),
        ({"seeds": 0}, "seeds"),
    ],
)
def test_bad_settings_are_config_errors_naming_the_setting(data, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(DistillationConfig, data)


def test_a_temperature_of_zero_from_the_cli_exits_2_without_a_traceback(tmp_path, capsys):
    argv = ["reproduce", NAME, "--quick", "--run-dir", str(tmp_path / "x")]
    assert main([*argv, "--set", "temperature=0"]) == 2
    err = capsys.readouterr().err
    assert "temperature" in err and "Traceback" not in err
    assert "T = 1 is the plain softmax" in err  # what to use instead
    assert main([*argv, "--set", "hard_weight=2"]) == 2
    err = capsys.readouterr().err
    assert "hard_weight" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def _part(run_dir, name: str) -> dict:
    return json.loads((run_dir / name / "summary.json").read_text())


def test_quick_run_trains_the_teacher_once_and_each_student_per_seed(tmp_path, quick, capsys):
    run_dir = tmp_path / NAME
    settings = quick(NAME)
    summary = run_recipe(NAME, settings, run_dir=run_dir).summary
    parts = {
        kind: [_part(run_dir, f"{kind}-seed-{seed}") for seed in (0, 1)]
        for kind in ("scratch", "distilled", "omitted")
    }
    for kind, seeds in parts.items():
        values = [s["errors"] for s in seeds]
        assert summary[f"{kind}_errors"] == pytest.approx(sum(values) / 2)
        assert summary[f"{kind}_errors_min"] == min(values)
    assert summary["teacher_errors"] == _part(run_dir, "teacher")["errors"]
    differences = [
        d["errors"] - s["errors"] for d, s in zip(parts["distilled"], parts["scratch"], strict=True)
    ]
    assert summary["distilled_minus_scratch"] == pytest.approx(sum(differences) / 2)
    assert summary["distilled_beats_scratch"] == float(sum(differences) < 0)
    # the omitted student trains on the images before the validation split that are not 3s
    from learnlab.data import load_dataset

    labels = load_dataset("mnist", root=settings["data_root"], download=False).train.y
    cut = settings["limit_train"] - settings["validation"]
    expected = int((labels[:cut] != 3).sum())
    assert [s["transfer_examples"] for s in parts["omitted"]] == [expected, expected]
    assert parts["distilled"][0]["transfer_examples"] == settings["limit_train"]
    # the shift after raising the bias never makes the validation errors worse
    for s in parts["omitted"]:
        assert s["validation_errors_shifted"] <= s["validation_errors"]
    tables = json.loads((run_dir / "tables.json").read_text())
    assert [row["test errors, paper"] for row in tables["test errors beside the paper's"]] == [
        "67",
        "146",
        "74",
        "206",
        "109",
    ]
    assert len(json.loads((run_dir / "figures.json").read_text())) == 2
    assert (run_dir / "report.html").is_file()

    # stopped during a student: --resume reads the teacher back and trains the missing part
    shutil.rmtree(run_dir / "omitted-seed-1")
    capsys.readouterr()
    again = run_recipe(NAME, saved_config(run_dir), resume=run_dir).summary
    err = capsys.readouterr().err
    assert "teacher: finished in an earlier attempt" in err
    assert "omitted-seed-1: finished" not in err
    assert again["teacher_errors"] == summary["teacher_errors"]
    assert again["omitted_errors"] == pytest.approx(summary["omitted_errors"])


def test_shifted_errors_count_by_hand():
    logits = torch.tensor([[2.0, 0.0, 1.0], [0.0, 3.0, 1.0], [1.0, 0.0, 0.5]])
    labels = torch.tensor([2, 1, 2])
    counted = shifted_errors(logits, labels, 2, torch.tensor([0.0, 0.75, 2.5]))
    # shift 0: examples 0 and 2 wrong (both 2s); 0.75: only example 0; 2.5: example 1 wrong
    assert counted.tolist() == [[2.0, 2.0], [1.0, 1.0], [1.0, 0.0]]


def test_the_bias_shift_is_chosen_on_validation_not_on_the_test_set():
    config = DistillationConfig(omitted_digit=1, largest_shift=3.0)
    # validation: the first image (a 1) needs a shift above 1, the second (a 0) turns wrong
    # above 1.5; the test set's 1 needs a shift above 2 (a tie goes to class 0)
    val, val_y = torch.tensor([[1.0, 0.0], [1.5, 0.0], [0.0, 1.0]]), torch.tensor([1, 0, 1])
    test, test_y = torch.tensor([[2.0, 0.0], [0.0, 1.0]]), torch.tensor([1, 1])
    sweep = bias_sweep(config, val, val_y, test, test_y)
    chosen = sweep["summary"]["chosen_shift"]
    assert chosen == pytest.approx(1.05)  # the smallest shift with the fewest validation errors
    assert sweep["summary"]["shifted_errors"] == 1.0  # the test set at that shift, not its best
    assert sweep["summary"]["test_best_shift"] == pytest.approx(2.05)


@pytest.mark.slow
def test_the_default_configuration_meets_its_targets(tmp_path):
    summary = run_recipe(NAME, {"progress": False}, run_dir=tmp_path / NAME).summary
    assert summary["distilled_beats_scratch"] == 1.0
    assert summary["distilled_errors"] < summary["scratch_errors"]
    assert summary["teacher_errors"] < summary["scratch_errors"]
    # 30 minutes on 2 cores, with a margin for a loaded machine
    assert summary["train_seconds"] < 45 * 60
