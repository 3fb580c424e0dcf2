"""dann-mnist-usps: the defaults are ADDA's protocol with DANN's settings, bad settings exit 2,
a quick run trains source only, DANN and target only per seed and reports them beside ADDA's
table; the slow test asserts the target of the default configuration."""

from __future__ import annotations

import json

import pytest

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes.dann_mnist_usps.config import DannMnistUspsConfig
from learnlab.recipes.dann_mnist_usps.data import draw_domains, load_raw
from learnlab.recipes.dann_mnist_usps.reproduction import PAPER_ACCURACY
from learnlab.recipes.runner import run_recipe

NAME = "dann-mnist-usps"

pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def test_the_defaults_are_addas_protocol_with_danns_schedules():
    config = DannMnistUspsConfig()
    assert (config.source_examples, config.target_examples) == (2000, 1800)
    assert (config.lr, config.momentum, config.anneal_lr, config.gamma) == (0.01, 0.9, True, 10)
    assert config.seeds >= 3
    assert PAPER_ACCURACY == {"source_only": 0.752, "dann": 0.771, "adda": 0.894}


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"batch_size": 500, "target_examples": 100}, "batch_size=500 is larger than the 100"),
        ({"target_examples": 9000}, "target_examples"),
        ({"gamma": 0}, "gamma"),
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


def test_each_seed_draws_addas_sample_sizes_at_one_resolution(quick):
    config = DannMnistUspsConfig(**quick(NAME))
    raw = load_raw(config)
    first, second = draw_domains(raw, config, 0), draw_domains(raw, config, 1)
    assert first.source.x.shape == (200, 1, 16, 16) and first.target.x.shape == (180, 1, 16, 16)
    assert first.test.x.shape == (100, 1, 16, 16)
    assert not first.source.y.equal(second.source.y)  # another draw per seed
    # standardised with the drawn MNIST images' statistics
    assert abs(float(first.source.x.mean())) < 1e-5


def test_quick_run_trains_three_methods_per_seed_beside_addas_table(tmp_path, quick):
    run_dir = tmp_path / NAME
    summary = run_recipe(NAME, quick(NAME), run_dir=run_dir).summary
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
@pytest.mark.xfail(
    strict=True,
    reason="missed as measured on 2026-12-06: DANN - source-only = -1.6 +- 1.3 points over 3 "
    "seeds (docs/reproductions.md); strict, so that reaching the target is noticed",
)
def test_default_configuration_gains_three_points_over_source_only(tmp_path, data_root):
    settings = {"data_root": str(data_root), "download": False, "progress": False}
    summary = run_recipe(NAME, settings, run_dir=tmp_path / NAME).summary
    assert summary["dann_gain_points"] >= 3.0
