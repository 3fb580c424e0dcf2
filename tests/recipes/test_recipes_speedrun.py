"""The mnist-speedrun recipe and its speedrun-cnn model.

Fast tests: the model's options and layout, the recipe's config checks, and the quick
configuration end to end (2 seeds, 1,024 training images; the session's one run of it, which
the contract test reads too) whose summary is checked against the per-seed parts, whose report
is rebuilt byte for byte, and which resumes keeping the finished seed. (The CLI's `run` is
checked on the quick configuration of rnn-sequential-mnist, which compares it with the API's.)
The real claim, >= 99.0% test accuracy on each of the 3 default seeds, is the slow test
(`make test-slow`).
"""

from __future__ import annotations

import json
import shutil
import statistics

import pytest
import torch

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.models import build_model
from learnlab.recipes import get_recipe, recipe_names
from learnlab.recipes.mnist_speedrun.config import MnistSpeedrunConfig, train_config
from learnlab.recipes.mnist_speedrun.reference import REFERENCE
from learnlab.recipes.runner import run_recipe, saved_config
from learnlab.runs import read_index

NAME = "mnist-speedrun"
QUICK = get_recipe(NAME).quick


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))


# -- the model ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"batch_norm": False, "channels": [24, 32], "hidden": 256},
        {"channels": [8, 16, 32], "kernel_sizes": [3, 3, 3], "hidden": 0},
    ],
)
def test_model_variants_train_every_parameter(options):
    torch.manual_seed(0)
    model = build_model("speedrun-cnn", (1, 28, 28), 10, **options).train()
    out = model(torch.randn(4, 1, 28, 28))
    assert out.shape == (4, 10)
    out.square().sum().backward()
    for name, param in model.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name


def test_channels_last_layout_changes_speed_not_values():
    x = torch.randn(8, 1, 28, 28)
    outputs = []
    for channels_last in (True, False):
        torch.manual_seed(3)
        model = build_model("speedrun-cnn", (1, 28, 28), 10, channels_last=channels_last)
        outputs.append(model.train()(x))
    torch.testing.assert_close(outputs[0], outputs[1], rtol=1e-5, atol=1e-5)


def test_model_size_follows_the_stages():
    # 28 -> conv5 24 -> pool 12 -> conv3 10 -> pool 5: 32 * 5 * 5 = 800 features
    model = build_model("speedrun-cnn", (1, 28, 28), 10, channels=[24, 32], hidden=256)
    assert model.classifier.fc.in_features == 800
    # the smallest image the default stages accept is 12x12 (12 -> 8 -> 4 -> 2 -> 1)
    assert build_model("speedrun-cnn", (1, 12, 12), 10)(torch.zeros(2, 1, 12, 12)).shape == (2, 10)
    with pytest.raises(ConfigError, match="at least 12x12"):
        build_model("speedrun-cnn", (1, 11, 11), 10)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"channels": [16, 32, 64]}, "one entry per stage"),
        ({"channels": []}, "non-empty list"),
        ({"channels": "16"}, "non-empty list"),
        ({"kernel_sizes": [5, 0]}, r"kernel_sizes\[1\]"),
        ({"hidden": -1}, "'hidden' must be an integer >= 0"),
        ({"batch_norm": "yes"}, "'batch_norm' must be true or false"),
    ],
)
def test_bad_model_options_are_config_errors(options, match):
    with pytest.raises(ConfigError, match=match):
        build_model("speedrun-cnn", (1, 28, 28), 10, **options)


# -- the recipe's configuration -----------------------------------------------------------------


def test_registered_with_its_config():
    assert "mnist-speedrun" in recipe_names()
    assert get_recipe("mnist-speedrun").config_class is MnistSpeedrunConfig
    assert MnistSpeedrunConfig().seeds == [0, 1, 2]


def test_each_seed_trains_on_all_training_images_with_fixed_settings():
    config = MnistSpeedrunConfig(betas=(0.8, 0.95))
    train = train_config(config, seed=7)
    assert train.seed == 7 and train.val_fraction == 0 and train.limit_train is None
    assert train.dataset == "mnist" and train.model == "speedrun-cnn"
    assert train.optimizer == "adam" and train.optimizer_options == {"betas": [0.8, 0.95]}
    assert train.schedule == "onecycle" and train.schedule_options["cycle_momentum"] is False
    assert train.early_stopping_patience is None


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"seeds": [0, 0]}, "distinct"),
        ({"seeds": []}, "seeds"),
        ({"betas": [0.9, 1.0]}, "betas"),
        ({"epochs": 0}, "epochs"),
        ({"seed": 1}, "unknown key"),
    ],
)
def test_bad_settings_are_config_errors(data, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(MnistSpeedrunConfig, data)


def test_mismatched_stages_are_refused_before_any_file_is_written(tmp_path, capsys):
    config = MnistSpeedrunConfig(channels=[8, 16, 32])
    with pytest.raises(ConfigError, match="one entry per convolution stage"):
        run_recipe(NAME, config, run_dir=tmp_path / "a")
    with pytest.raises(ConfigError, match=r"kernel_sizes\[0\]"):
        run_recipe(NAME, MnistSpeedrunConfig(kernel_sizes=[0, 3]), run_dir=tmp_path / "c")
    assert not any((tmp_path / name).exists() for name in "ac")
    # a dry run makes the same checks
    assert main(["run", NAME, "--dry-run", "--set", "channels=[8, 16, 32]"]) == 2
    assert "one entry per convolution stage" in capsys.readouterr().err


# -- the quick configuration, end to end ----------------------------------------------------------


def test_quick_run_writes_the_parent_and_per_seed_parts(tmp_path, monkeypatch, recipe_quick_run):
    # 1,024 images in batches of 128: 8 steps, the fewest one-cycle's two phases allow
    assert QUICK == {"seeds": [0, 1], "limit_train": 1024, "batch_size": 128, "progress": False}
    # the session's one quick run (the contract test reads it too): a copy, changed below
    shared = recipe_quick_run(NAME)
    parent = tmp_path / "speedrun"
    shutil.copytree(shared, parent)
    summary = json.loads((parent / "summary.json").read_text())

    seeds = []
    for seed in (0, 1):
        seed_dir = parent / f"seed-{seed}"
        for name in ("config.json", "model.safetensors", "summary.json", "report.html"):
            assert (seed_dir / name).is_file(), (seed, name)
        seed_summary = json.loads((seed_dir / "summary.json").read_text())
        seed_config = json.loads((seed_dir / "config.json").read_text())
        assert seed_config["val_fraction"] == 0 and seed_config["seed"] == seed
        assert seed_summary["epochs_completed"] == 1 and "val_accuracy" not in seed_summary
        seeds.append(seed_summary)

    accuracies = [s["test_accuracy"] for s in seeds]
    seconds = [s["train_seconds"] for s in seeds]
    assert accuracies[0] != accuracies[1]  # the seeds differ
    assert summary["seeds"] == [0, 1]
    assert [r["test_accuracy"] for r in summary["per_seed"]] == accuracies
    assert [r["run_dir"] for r in summary["per_seed"]] == ["seed-0", "seed-1"]
    assert summary["test_accuracy_mean"] == pytest.approx(statistics.fmean(accuracies))
    assert summary["test_accuracy_std"] == pytest.approx(statistics.stdev(accuracies))
    assert summary["train_seconds_mean"] == pytest.approx(statistics.fmean(seconds))
    assert summary["test_accuracy_min"] == min(accuracies)
    assert summary["every_seed_reached_target"] == (min(accuracies) >= 0.99)
    assert summary["reference"]["test_accuracy_mean"] == pytest.approx(0.9904, abs=1e-4)
    assert summary["reference"]["seconds_mean"] == pytest.approx(0.76, abs=0.01)
    # 8 steps learn something: always answering the most frequent class ("1") scores 11.35%
    # on the MNIST test set; these two seeds score 85.3% and 76.9%
    assert 0.5 < summary["test_accuracy_mean"] < 1

    # the run index holds the recipe's run, with the mean accuracy; its parts are inside it
    monkeypatch.setenv("LEARNLAB_RUNS", str(shared.parent / "runs"))
    indexed = read_index()
    assert [e["name"] for e in indexed] == ["run"]
    assert indexed[-1]["kind"] == NAME
    assert indexed[-1]["test_accuracy"] == pytest.approx(summary["test_accuracy_mean"])

    page = (parent / "report.html").read_text()
    assert "<h3>seeds</h3>" in page and "<h3>paper vs ours</h3>" in page
    assert "tuomaso/train_mnist_fast" in page and "no model selection" in page
    assert f"{100 * accuracies[1]:.2f}%" in page

    # resume after the second seed was stopped: the first is kept, the numbers are the same
    copy = tmp_path / "copy"
    shutil.copytree(parent, copy)
    for name in ("seed-1/summary.json", "seed-1/result.json", "summary.json", "report.html"):
        (copy / name).unlink()
    kept = (copy / "seed-0" / "summary.json").stat().st_mtime_ns
    resumed = run_recipe(NAME, saved_config(copy), resume=copy, index=False).summary
    assert (copy / "seed-0" / "summary.json").stat().st_mtime_ns == kept
    assert [r["test_accuracy"] for r in resumed["per_seed"]] == accuracies


def test_cli_refuses_a_single_seed_flag(tmp_path, capsys):
    assert main(["run", "mnist-speedrun", "--seed", "3", "--run-dir", str(tmp_path / "x")]) == 2
    assert "takes no seed" in capsys.readouterr().err


# -- the claim ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_default_settings_reach_99_percent_on_every_seed(tmp_path, data_root):
    config = MnistSpeedrunConfig(data_root=str(data_root), download=False, progress=False)
    summary = run_recipe(NAME, config, run_dir=tmp_path / "speedrun").summary
    accuracies = [r["test_accuracy"] for r in summary["per_seed"]]
    assert len(accuracies) == 3
    assert min(accuracies) >= 0.99, accuracies
    assert summary["test_accuracy_mean"] >= REFERENCE["test_accuracy_mean"], accuracies
    assert summary["every_seed_reached_target"]
