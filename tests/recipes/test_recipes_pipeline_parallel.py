"""The pipeline-parallel recipe: an MLP split into 2 stage processes trains on MNIST to the
weights of unsplit training, and the report has the bubble at M = 1, 2, 4, 8, 16 measured
beside (S-1)/(M+S-1). Bad stage and micro-batch counts are ConfigErrors naming the setting
(exit 2 from the CLI, no traceback, nothing written)."""

from __future__ import annotations

import multiprocessing

import pytest

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes.pipeline_parallel.config import PipelineParallelConfig

NAME = "pipeline-parallel"

pytestmark = pytest.mark.usefixtures("isolated_one_thread")

BAD = [
    ({"stages": 0}, "stages"),
    ({"stages": 9}, "stages"),  # the default MLP has 10 layers, but at most 8 processes
    ({"depth": 1, "stages": 5}, "stages=5 is more than the 4 layers"),
    ({"micro_batches": 0}, "micro_batches"),
    ({"micro_batches": 65}, "micro_batches=65"),
    ({"micro_batches": 3}, "micro_batches=3 does not cut batch_size=64"),
    ({"bubble_micro_batches": [0, 2]}, "bubble_micro_batches"),
    ({"bubble_micro_batches": [2048]}, "bubble_micro_batches=2048"),
    ({"schedule": "1f1b", "stages": 4, "bubble_micro_batches": [2, 4]}, "schedule=1f1b"),
    ({"batch_size": 512, "micro_batches": 2, "limit_train": 256}, "batch_size=512"),
]


@pytest.mark.parametrize(("data", "match"), BAD)
def test_bad_stage_and_micro_batch_counts_are_config_errors_naming_the_setting(data, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(PipelineParallelConfig, data)


def test_bad_counts_from_the_cli_exit_2_without_a_traceback(tmp_path, capsys):
    argv = ["run", NAME, "--run-dir", str(tmp_path / "x")]
    for setting in ("stages=0", "stages=11", "micro_batches=0", "micro_batches=100"):
        assert main([*argv, "--set", setting]) == 2
        err = capsys.readouterr().err
        assert setting.split("=")[0] in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_quick_run_matches_unsplit_training_and_reports_the_bubble(tmp_path, quick_run_copy):
    summary = quick_run_copy(NAME, tmp_path / NAME).summary
    assert multiprocessing.active_children() == []
    assert summary["stage_layers"] == "flatten fc1 act1 | fc2 act2 fc3 act3 fc4 act4 out"
    assert summary["train_steps"] == 4
    assert summary["first_step_gradient_difference"] < 1e-6
    assert summary["max_weight_difference"] < 1e-6
    assert summary["max_loss_difference"] < 1e-5
    assert summary["pipeline_test_accuracy"] == summary["unsplit_test_accuracy"]
    for m in (1, 2, 4, 8, 16):
        assert summary[f"bubble_theory_m{m}"] == pytest.approx(1 / (m + 1))
        assert 0 < summary[f"bubble_measured_m{m}"] < 1
        assert 0 <= summary[f"bubble_replayed_m{m}"] < 1
        assert summary[f"examples_per_second_m{m}"] > 0
    page = (tmp_path / NAME / "report.html").read_text()
    assert "the bubble against the number of micro-batches" in page
    assert "unsplit, 1 process, 2 threads" in page
    assert "cannot speed up a model that fits in memory" in page
