"""The pretraining-variance reproduction (Erhan et al. 2010): greedy denoising pre-training
initialises the hidden layers of every seed's network (batched over the seeds), the runs of
the early-examples experiment differ only in their first examples, bad settings exit 2."""

from __future__ import annotations

import pytest
import torch

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes.pretraining_variance import load_data
from learnlab.recipes.pretraining_variance.config import PretrainingVarianceConfig
from learnlab.recipes.pretraining_variance.pretrain import pretrain_layers
from learnlab.recipes.pretraining_variance.supervised import network, seed_test_errors
from learnlab.recipes.runner import run_recipe

NAME = "pretraining-variance"

pytestmark = pytest.mark.usefixtures("isolated_one_thread")


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"seeds": 1}, "seeds"),
        ({"orders": 1}, "orders"),
        ({"masking": 1.0}, "masking"),
        ({"first_examples": 6000, "train_size": 5000}, "first_examples"),
    ],
)
def test_bad_settings_are_config_errors_naming_the_setting(data, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(PretrainingVarianceConfig, data)


def test_one_seed_from_the_cli_exits_2_without_a_traceback(tmp_path, capsys):
    argv = ["reproduce", NAME, "--quick", "--run-dir", str(tmp_path / "x"), "--set", "seeds=1"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "seeds" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_pretrained_layers_are_fixed_by_the_seed_and_initialise_its_network(quick):
    config = cfg.validate(PretrainingVarianceConfig, quick(NAME))
    data = load_data(config)
    layers = pretrain_layers(data["x_train"], config, seed=3)
    assert [tuple(layer["weight"].shape) for layer in layers] == [(32, 784), (32, 32), (32, 32)]
    again = pretrain_layers(data["x_train"], config, seed=3)  # the seed fixes them
    assert all(torch.equal(a["weight"], b["weight"]) for a, b in zip(layers, again, strict=True))
    torch.manual_seed(3)  # BatchedEnsemble seeds the generator before build(): s picks layers
    model = network(config, {3: layers})
    assert torch.equal(model.fc1.weight, layers[0]["weight"])
    assert torch.equal(model.fc3.bias, layers[2]["bias"])
    torch.manual_seed(4)  # a seed without pre-trained layers keeps its random initialisation
    assert not torch.equal(network(config, {3: layers}).fc1.weight, layers[0]["weight"])


def test_the_batched_arm_equals_a_member_trained_alone(quick):
    """The ensemble's members with pre-trained layers are the networks one would build."""
    from learnlab.scale.ensemble import BatchedEnsemble

    config = cfg.validate(PretrainingVarianceConfig, quick(NAME, seeds=2))
    data = load_data(config)
    pretrained = {s: pretrain_layers(data["x_train"], config, s) for s in config.seed_list()}
    ensemble = BatchedEnsemble(
        lambda: network(config, pretrained), config.seed_list(), optimizer="adam", lr=config.lr
    ).fit(data["x_train"], data["y_train"], epochs=0, batch_size=config.batch_size)
    for k, seed in enumerate(config.seed_list()):
        assert torch.equal(ensemble.params_["fc2.weight"][k], pretrained[seed][1]["weight"])
    errors = seed_test_errors(config, data, pretrained)
    assert len(errors) == 2 and all(0 <= e <= 1 for e in errors)


def test_quick_run_reports_both_arms_and_the_early_examples(tmp_path, quick):
    config = cfg.validate(PretrainingVarianceConfig, quick(NAME))
    result = run_recipe(NAME, config, run_dir=tmp_path / "run").result
    s = result.summary
    for arm in ("pretrained", "random_init"):
        assert 0 <= s[f"test_error_{arm}"] <= 1
        assert s[f"test_error_{arm}_min"] <= s[f"test_error_{arm}"] <= s[f"test_error_{arm}_max"]
        assert s[f"early_order_std_{arm}"] >= 0
    assert s["seeds"] == 3
    figure = result.figures[0].data
    assert len(figure["with_pretraining"]) == 3 and len(figure["early_without"]) == 2


@pytest.mark.slow
def test_default_configuration_pretraining_lowers_mean_and_spread(tmp_path, data_root):
    config = PretrainingVarianceConfig(data_root=str(data_root), download=False, progress=False)
    s = run_recipe(NAME, config, run_dir=tmp_path / "run").result.summary
    assert s["test_error_pretrained"] < s["test_error_random_init"]
    assert s["test_error_pretrained_std"] < s["test_error_random_init_std"]
