"""The greedy-pretraining recipe: end-to-end training against greedy supervised and greedy
autoencoder pre-training plus fine-tuning of one deep sigmoid MLP, at the same total number
of epochs, over several seeds.

Fast tests: the defaults (5 sigmoid hidden layers, 5 seeds, 30 epochs of which 5 x 3 are
pre-training), bad settings as ConfigErrors and exit 2 from the CLI, and a quick run's table,
summary and figure data. The slow test asserts the issue's target on the default run.
"""

from __future__ import annotations

import json

import pytest

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes.greedy_pretraining.config import GreedyPretrainingConfig
from learnlab.recipes.greedy_pretraining.methods import METHODS
from learnlab.recipes.runner import run_recipe

NAME = "greedy-pretraining"

pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def test_the_defaults_are_a_deep_sigmoid_mlp_at_equal_total_epochs_over_five_seeds():
    config = GreedyPretrainingConfig()
    assert (config.depth, config.seeds, config.optimizer) == (5, 5, "sgd")
    assert (config.epochs, config.pretrain_epochs, config.fine_tune_epochs) == (30, 3, 15)
    assert config.freeze_lower  # the lecture's version


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"pretrain_epochs": 6}, r"pretrain_epochs=6 x depth=5 = 30 epochs .* leave none"),
        ({"depth": 0}, "depth"),
        ({"lr": 0}, "lr"),
        ({"masking": 1.0}, "masking"),
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"seeds": 0}, "seeds"),
    ],
)
def test_bad_settings_are_config_errors_naming_the_setting(data, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(GreedyPretrainingConfig, data)


def test_bad_settings_from_the_cli_exit_2_without_a_traceback(tmp_path, capsys):
    argv = ["run", NAME, "--run-dir", str(tmp_path / "x")]
    assert main([*argv, "--set", "pretrain_epochs=10"]) == 2
    err = capsys.readouterr().err
    assert "pretrain_epochs=10" in err and "Traceback" not in err
    assert main([*argv, "--set", "masking=1.5"]) == 2
    err = capsys.readouterr().err
    assert "masking" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_quick_run_reports_each_method_with_spreads_a_table_and_curves(tmp_path, quick):
    settings = quick(NAME)
    summary = run_recipe(NAME, settings, run_dir=tmp_path / "run").summary
    assert summary["seeds"] == 2 and summary["fine_tune_epochs"] == 1
    for key in ("end_to_end", "greedy_supervised", "greedy_autoencoder"):
        error = summary[f"test_error_{key}"]
        assert summary[f"test_error_{key}_min"] <= error <= summary[f"test_error_{key}_max"]
        assert f"test_error_{key}_std" in summary
    for key in ("greedy_supervised", "greedy_autoencoder"):
        assert 0 <= summary[f"{key}_wins"] <= 2
        beats = summary[f"test_error_{key}"] < summary["test_error_end_to_end"]
        assert summary[f"{key}_beats_end_to_end"] == beats
    rows = json.loads((tmp_path / "run" / "tables.json").read_text())["test error per method"]
    assert [row["method"] for row in rows] == list(METHODS)
    assert rows[1]["epochs (pre-training + fine-tuning)"] == "2 x 1 + 1"
    (figure,) = json.loads((tmp_path / "run" / "figures.json").read_text())
    curves = figure["data"]["curves"]
    # one validation error per epoch of every phase: 3 epochs for every method and seed
    assert all(len(c) == 3 for method in METHODS for c in curves[method])
    # the autoencoder phases have no classification error; the supervised ones do
    assert all(c[:2] == [None, None] and c[2] is not None for c in curves["greedy autoencoder"])
    assert all(None not in c for c in curves["greedy supervised"] + curves["end-to-end"])


@pytest.mark.slow
def test_default_configuration_greedy_pretraining_beats_end_to_end(tmp_path, data_root):
    settings = {"data_root": str(data_root), "download": False, "progress": False}
    summary = run_recipe(NAME, settings, run_dir=tmp_path / "run").summary
    assert summary["seeds"] == 5
    assert summary["greedy_supervised_beats_end_to_end"]
    assert summary["greedy_autoencoder_beats_end_to_end"]
