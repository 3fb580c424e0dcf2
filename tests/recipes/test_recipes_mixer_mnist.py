"""The mixer-mnist recipe: MLP-Mixer on MNIST.

Fast tests: the recipe's config (a `learnlab train` config with the recipe's defaults), a dry
run from the CLI, and the quick run end to end (2,048 training images, dim 16, one epoch), run
twice to check that it is seed-stable, with its report rebuilt byte for byte. The real claim,
>= 97.5% test accuracy with the default settings (and training in under 10 minutes on 2
cores, as the recipe's description says), is the slow test (`make test-slow`).
"""

from __future__ import annotations

import json

import pytest
import torch

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes import get_recipe, recipe_names
from learnlab.recipes.mixer_mnist import TARGET, MixerMnistConfig
from learnlab.recipes.runner import run_recipe
from learnlab.runs import read_index

NAME = "mixer-mnist"
# the description's "about 5 minutes on 2 cores", asserted with a margin for a loaded machine
TIME_BOUND_SECONDS = 10 * 60


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))


@pytest.fixture(autouse=True)
def one_thread():
    # the machine is shared: one thread, and identical numbers between runs
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_registered_and_its_config_is_the_train_config_with_a_validation_split():
    assert NAME in recipe_names()
    recipe = get_recipe(NAME)
    assert recipe.config_class is MixerMnistConfig
    config = cfg.validate(MixerMnistConfig, {"model_options": {"dim": 32, "depth": 2}})
    (train,) = recipe.train_configs(config)
    assert train is config
    assert train.dataset == "mnist" and train.model == "mlp-mixer"
    assert train.model_options == {
        "patch_size": 7,
        "dim": 32,
        "depth": 2,
        "token_hidden": 64,
        "channel_hidden": 256,
    }
    assert train.val_fraction == pytest.approx(1 / 12) and train.limit_train is None
    assert train.optimizer == "adamw" and train.weight_decay == 0.05 and train.lr == 3e-3
    assert train.schedule == "onecycle" and (train.epochs, train.batch_size) == (12, 128)
    assert train.augment_translate == 0


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"lr": 0}, "lr"),
        ({"val_fraction": -0.1}, "val_fraction"),
        ({"augment_translate": 9}, "augment_translate"),
        ({"depth": 2}, "unknown key"),
    ],
)
def test_bad_settings_are_config_errors(data, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(MixerMnistConfig, data)


def test_dry_run_checks_the_patch_size_against_the_images(tmp_path, capsys):
    argv = ["run", NAME, "--dry-run", "--run-dir", str(tmp_path / "x")]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["model_options"]["patch_size"] == 7
    assert "(145,866 parameters)" in err
    # 5x5 patches do not tile a 28x28 digit: refused before anything runs
    assert main([*argv, "--set", "model_options.patch_size=5"]) == 2
    assert "'patch_size' must divide the image height and width" in capsys.readouterr().err
    assert main([*argv, "--set", "model_options.depth=0"]) == 2
    assert "depth" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def _quick_run(run_dir, data_root) -> dict:
    settings = {**get_recipe(NAME).quick, "data_root": str(data_root), "download": False}
    argv = ["run", NAME, "--run-dir", str(run_dir)]
    for key, value in settings.items():
        items = value.items() if isinstance(value, dict) else [(None, value)]
        for sub, item in items:  # a table as dotted keys
            argv += ["--set", f"{key}{'.' + sub if sub else ''}={json.dumps(item)}"]
    assert main(argv) == 0
    return json.loads((run_dir / "summary.json").read_text())


def test_quick_run_from_the_cli_writes_the_run_and_is_seed_stable(
    tmp_path, data_root, capsys, recipe_quick_run
):
    run_dir = tmp_path / "mixer"
    summary = _quick_run(run_dir, data_root)
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(run_dir)
    for name in ("config.json", "model.safetensors", "summary.json", "report.html"):
        assert (run_dir / name).is_file(), name
    assert summary["epochs_completed"] == 1 and summary["dataset"] == "mnist"
    # 64 steps learn something: a constant prediction scores at most 11.35% (the commonest
    # digit of the test set, a 1)
    assert 0.5 < summary["test_accuracy"] < 1
    assert summary["train_seconds"] > 0
    assert summary["target_test_accuracy"] == TARGET.accuracy
    assert summary["reached_target"] == (summary["test_accuracy"] >= TARGET.accuracy)
    assert "time_limit_seconds" not in summary  # this target sets no time limit

    page = (run_dir / "report.html").read_text()
    assert "MLP-Mixer: An all-MLP architecture for vision" in page
    assert "Target: &gt;= 97.5% test accuracy; a network without convolutions" in page
    assert "Accuracy target NOT met" in page or "Accuracy target met" in page
    assert "issue" not in page.lower()
    (entry,) = read_index()
    assert entry["kind"] == NAME and entry["test_accuracy"] == summary["test_accuracy"]

    # the same seed gives the same numbers: the session's run of the quick configuration
    # through run_recipe (the contract test reads it too)
    again = json.loads((recipe_quick_run(NAME) / "summary.json").read_text())
    assert again["test_accuracy"] == summary["test_accuracy"]
    assert again["test_loss"] == summary["test_loss"]


@pytest.mark.slow
def test_default_settings_reach_97_5_percent(tmp_path, data_root):
    torch.set_num_threads(2)
    config = MixerMnistConfig(data_root=str(data_root), download=False, progress=False)
    summary = run_recipe(NAME, config, run_dir=tmp_path / "mixer").summary
    print(
        f"mixer-mnist: test accuracy {summary['test_accuracy']:.4f} in "
        f"{summary['train_seconds']:.0f} s of training"
    )
    assert summary["test_accuracy"] >= TARGET.accuracy
    assert summary["reached_target"]
    # measured: 390 s of one-thread CPU time, about 5 minutes on 2 free cores
    assert summary["train_seconds"] <= TIME_BOUND_SECONDS, summary
