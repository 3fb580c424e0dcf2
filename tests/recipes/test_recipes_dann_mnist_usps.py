"""dann-mnist-usps: the defaults are ADDA's protocol with DANN's settings, bad settings exit 2,
a quick run trains source only, DANN and target only per seed and reports them beside ADDA's
table; the slow test asserts the target of the default configuration."""

from __future__ import annotations

import json

import pytest
import torch

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes.dann_mnist_usps import experiment
from learnlab.recipes.dann_mnist_usps.config import DannMnistUspsConfig
from learnlab.recipes.dann_mnist_usps.data import draw_domains, load_raw, usps_upscaled
from learnlab.recipes.dann_mnist_usps.reproduction import PAPER_ACCURACY
from learnlab.recipes.dann_mnist_usps.selection import KeepBestOnValidation
from learnlab.recipes.runner import run_recipe

NAME = "dann-mnist-usps"

pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def test_the_defaults_are_addas_protocol_with_danns_schedules():
    config = DannMnistUspsConfig()
    assert (config.source_examples, config.target_examples) == (2000, 1800)
    assert config.protocol == "adda" and config.val_examples > 0
    assert (config.lr, config.momentum, config.anneal_lr, config.gamma) == (0.01, 0.9, True, 10)
    assert config.seeds >= 3
    assert PAPER_ACCURACY == {"source_only": 0.752, "dann": 0.771, "adda": 0.894}


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"batch_size": 500, "target_examples": 100}, "batch_size=500 is larger than the 100"),
        ({"target_examples": 9000}, "target_examples"),
        ({"gamma": 0}, "gamma"),
        ({"protocol": "usps32"}, "protocol"),
        ({"target_examples": 7000, "val_examples": 500}, "val_examples=500 exceed"),
    ],
)
def test_bad_settings_are_config_errors_naming_the_setting(data, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(DannMnistUspsConfig, data)


def test_bad_settings_from_the_cli_exit_2_without_a_traceback(tmp_path, capsys):
    argv = ["reproduce", NAME, "--quick", "--run-dir", str(tmp_path / "x")]
    assert main([*argv, "--set", "batch_size=1000"]) == 2
    err = capsys.readouterr().err
    assert "batch_size=1000" in err and "Traceback" not in err
    assert main([*argv, "--set", "lr=-1"]) == 2
    err = capsys.readouterr().err
    assert "lr" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_each_seed_draws_addas_sample_sizes_at_28x28_with_usps_upscaled(quick):
    config = DannMnistUspsConfig(**quick(NAME))
    raw = load_raw(config)
    first, second = draw_domains(raw, config, 0), draw_domains(raw, config, 1)
    assert first.source.x.shape == (200, 1, 28, 28) and first.target.x.shape == (180, 1, 28, 28)
    assert first.val.x.shape == (50, 1, 28, 28) and first.test.x.shape == (100, 1, 28, 28)
    assert not first.source.y.equal(second.source.y)  # another draw per seed
    # standardised with the drawn MNIST images' statistics
    assert abs(float(first.source.x.mean())) < 1e-5
    # the validation images are USPS training images apart from the 1,800 (none repeated)
    flat = torch.cat([first.target.x, first.val.x]).flatten(1)
    assert len(torch.unique(flat, dim=0)) == len(flat)
    # USPS upscaled bilinearly (torch's interpolate), then standardised: an affine map of it
    upscaled = usps_upscaled(raw.test_x).flatten().double()
    design = torch.stack([upscaled, torch.ones_like(upscaled)], 1)
    standardised = first.test.x.flatten().double()
    fit = torch.linalg.lstsq(design, standardised.unsqueeze(1)).solution
    assert (design @ fit).flatten().sub(standardised).abs().max() < 1e-5
    assert float(fit[0]) > 0


def test_the_earlier_protocol_stays_available_at_16x16(quick):
    config = DannMnistUspsConfig(**{**quick(NAME), "protocol": "usps16"})
    data = draw_domains(load_raw(config), config, 0)
    assert data.source.x.shape[1:] == data.target.x.shape[1:] == (1, 16, 16)
    assert experiment.network(config)(data.source.x[:2]).shape == (2, 10)


def test_keeping_the_best_validation_epoch_restores_its_weights():
    """A real fit of a tiny model: after it, the model scores the best epoch's validation
    accuracy (not the last epoch's), and the curve holds one accuracy per epoch."""
    from learnlab.data.loader import TensorLoader
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.procedures.base import Stage, train_stage
    from learnlab.recipes.transfer.data import Images, error_rate

    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 4, generator=g)
    y = (x[:, 0] > 0).long()
    val = Images(x[:32], 1 - y[:32])  # flipped labels: training makes validation worse
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 2))
    keep = KeepBestOnValidation(val)
    loader = TensorLoader(x, y, batch_size=16, seed=0)
    train_stage(model, CrossEntropy(), loader, Stage(6, "sgd", 0.5), name="t", callbacks=[keep])
    assert len(keep.curve) == 6 and keep.best_accuracy == max(keep.curve)
    assert keep.curve[-1] < keep.best_accuracy  # the last epoch is not the one kept
    assert 1.0 - error_rate(model, val) == pytest.approx(keep.best_accuracy)


def test_quick_run_trains_three_methods_per_seed_beside_addas_table(tmp_path, quick_run_copy):
    run_dir = tmp_path / NAME
    summary = quick_run_copy(NAME, run_dir).summary
    seeds = [json.loads((run_dir / f"seed-{s}" / "summary.json").read_text()) for s in (0, 1)]
    for method in ("source_only", "dann", "target_only"):
        values = [s[f"{method}_accuracy"] for s in seeds]
        assert summary[f"{method}_accuracy"] == pytest.approx(sum(values) / 2)
        assert summary[f"{method}_accuracy_min"] == min(values)
    gains = [100 * (s["dann_accuracy"] - s["source_only_accuracy"]) for s in seeds]
    assert summary["dann_gain_points"] == pytest.approx(sum(gains) / 2)
    assert summary["reached_target"] == (summary["dann_gain_points"] >= 3.0)
    tables = json.loads((run_dir / "tables.json").read_text())
    rows = tables["USPS test accuracy, MNIST -> USPS"]
    assert [r["ADDA Table 2"] for r in rows] == ["0.752", "0.771", "-", "0.894"]
    assert len(tables["each seed"]) == 2
    assert (run_dir / "report.html").is_file()
    assert len(json.loads((run_dir / "figures.json").read_text())) == 1


@pytest.mark.slow
def test_default_configuration_gains_over_source_only(tmp_path, data_root):
    """Measured on 2026-12-06 (ADDA's 28x28 protocol, LeNet, 40 passes, epochs chosen on USPS
    validation): seeds 0-2, the default, gain +5.4 +- 1.6 points (+4.6, +7.3, +4.4); seeds 3-5
    (`--set seed=3`) +1.7 +- 1.8 (+1.8, -0.1, +3.6): over six seeds +3.6 +- 2.5, the issue's +3
    met by the mean, not by every seed (seed 4 gains nothing)."""
    settings = {"data_root": str(data_root), "download": False, "progress": False}
    summary = run_recipe(NAME, settings, run_dir=tmp_path / NAME).summary
    assert summary["dann_gain_points_min"] > 0  # every seed gains
    assert summary["dann_accuracy"] > summary["source_only_accuracy"]
