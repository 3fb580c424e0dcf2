"""The random-labels reproduction (Zhang et al. 2017): a quick run trains every variant as a
part and reports them; bad settings exit 2 naming the setting; the slow test asserts the
default configuration's claims."""

from __future__ import annotations

import json

import pytest

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes.random_labels.config import RandomLabelsConfig
from learnlab.recipes.random_labels.training import variants
from learnlab.recipes.runner import run_recipe

NAME = "random-labels"

pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def test_the_defaults_are_the_papers_mlp_on_a_10000_image_subset():
    config = RandomLabelsConfig()
    assert (config.width, config.train_size, config.target_accuracy) == (512, 10_000, 0.99)
    assert config.label_fractions == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    names = [v.name for v in variants(config)]
    assert names == [
        "labels_0", "labels_20", "labels_40", "labels_60", "labels_80", "labels_100",
        "shuffled_pixels", "random_pixels", "gaussian",
        "random_labels_weight_decay", "random_labels_dropout", "random_labels_augmentation",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"label_fractions": [0.0, 1.2]}, "label_fractions"),
        ({"label_fractions": [-0.2]}, "label_fractions"),
        ({"label_fractions": []}, "label_fractions"),
        ({"regularizers": ["mixup"]}, "regularizers"),
        ({"target_accuracy": 1.5}, "target_accuracy"),
    ],
)
def test_bad_settings_are_config_errors_naming_the_setting(data, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(RandomLabelsConfig, data)


def test_a_fraction_outside_zero_one_from_the_cli_exits_2_without_a_traceback(tmp_path, capsys):
    argv = ["reproduce", NAME, "--quick", "--run-dir", str(tmp_path / "x")]
    assert main([*argv, "--set", "label_fractions=[0.5,1.5]"]) == 2
    err = capsys.readouterr().err
    assert "label_fractions" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_quick_run_fits_each_variant_and_random_labels_test_at_chance(tmp_path, quick):
    config = cfg.validate(
        RandomLabelsConfig,
        quick(NAME, max_epochs=30, width=128, train_size=100, batch_size=20),
    )
    result = run_recipe(NAME, config, run_dir=tmp_path / "run").result
    s = result.summary
    for v in variants(config):
        assert (tmp_path / "run" / v.name / "summary.json").exists()
        assert s[f"steps_{v.name}"] > 0
    # 100 examples, 128 hidden units: true and random labels are both memorised
    assert s["reached_labels_0"] and s["reached_labels_100"]
    assert s["train_accuracy_labels_100"] >= 0.95
    assert s["test_accuracy_labels_0"] > 0.6  # true labels generalise
    assert s["test_accuracy_labels_100"] < 0.3  # random labels do not (chance: 0.1)
    # random labels take longer to fit than the true ones
    assert s["steps_labels_100"] > s["steps_labels_0"]
    assert s["slowdown_random_over_true"] > 1
    assert result.tables["variants"][0]["variant"] == "labels_0"
    figure = result.figures[0].data
    assert set(figure["curves"]) == {"labels_0", "labels_100", "random_pixels"}
    saved = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert saved["reached_labels_100"] is True


@pytest.mark.slow
def test_default_configuration_memorises_random_labels_and_meets_the_claims(tmp_path, data_root):
    config = RandomLabelsConfig(data_root=str(data_root), download=False, progress=False)
    s = run_recipe(NAME, config, run_dir=tmp_path / "run").result.summary
    for p in (0, 20, 40, 60, 80, 100):
        assert s[f"train_accuracy_labels_{p}"] >= 0.99
    assert s["test_accuracy_labels_100"] < 0.12
    assert s["test_accuracy_gaussian"] < 0.12 and s["test_accuracy_random_pixels"] < 0.2
    errors = [1 - s[f"test_accuracy_labels_{p}"] for p in (0, 20, 40, 60, 80, 100)]
    assert errors == sorted(errors)
