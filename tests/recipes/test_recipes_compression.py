"""The compression recipe: an MLP and LeNet-5 on MNIST, pruned by magnitude and by channel
and quantised to int8; accuracy, size and latency of each, and the latest distillation run.

Fast tests: a quick run reports every variant of both models with consistent numbers, bad
settings are refused (ConfigError naming the setting; exit 2 from the CLI, no traceback), and
a distillation run of the run index shows in the table. The slow test asserts the issue's
targets on the default configuration.
"""

from __future__ import annotations

import json

import pytest

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes.compression.config import CompressionConfig
from learnlab.recipes.runner import run_recipe

NAME = "compression"

pytestmark = pytest.mark.usefixtures("isolated_one_thread")

MLP_VARIANTS = ["original", "magnitude_50", "magnitude_90", "int8_dynamic"]
CONV_VARIANTS = [*MLP_VARIANTS[:3], "channels_50", "channels_50_finetuned", "int8_dynamic"]


def test_quick_run_reports_each_variant_of_both_models(tmp_path, quick_run_copy):
    run_dir = tmp_path / NAME
    summary = quick_run_copy(NAME, run_dir).summary
    for model, variants in (("mlp", MLP_VARIANTS), ("conv", CONV_VARIANTS)):
        for key in variants:
            base = f"{model}_{key}"
            change = summary[f"{base}_test_accuracy"] - summary[f"{model}_original_test_accuracy"]
            assert summary[f"{base}_change_points"] == pytest.approx(change)
            assert summary[f"{base}_speedup"] > 0 and summary[f"{base}_latency_ms"] > 0
        assert summary[f"{model}_original_size_ratio"] == 1.0
        # magnitude pruning writes zeros into the same dense file
        assert (
            summary[f"{model}_magnitude_90_size_bytes"] == summary[f"{model}_original_size_bytes"]
        )
        assert summary[f"{model}_magnitude_90_nonzero"] < summary[f"{model}_original_nonzero"] / 5
        assert summary[f"{model}_int8_dynamic_size_ratio"] > 3
    # half of LeNet-5's filters: 3 and 8 channels, fc1 reads 8 x 5 x 5 maps
    fc2_and_out = 120 * 84 + 84 + 84 * 10 + 10
    assert (
        summary["conv_channels_50_nonzero"]
        == 3 * 25 + 3 + 8 * 75 + 8 + 200 * 120 + 120 + fc2_and_out
    )
    assert summary["conv_channels_50_size_ratio"] > 1.5
    assert summary["target_int8_size_met"] is True
    assert summary["target_int8_accuracy_met"] == (
        summary["mlp_int8_dynamic_change_points"] >= -0.5
    )
    assert summary["distillation_run"] == ""
    tables = json.loads((run_dir / "tables.json").read_text())
    (rows,) = tables.values()
    assert len(rows) == len(MLP_VARIANTS) + len(CONV_VARIANTS)
    assert rows[-2]["variant"] == "channel-pruned, 50% of filters kept + fine-tuning"
    assert len(json.loads((run_dir / "figures.json").read_text())) == 1
    assert "no `distillation` run" in (run_dir / "report.html").read_text()


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"sparsities": [1.0]}, "sparsities must be a fraction in \\[0, 1\\)"),
        ({"sparsities": [-0.1, 0.5]}, "sparsities"),
        ({"channel_fraction": 0}, "channel_fraction"),
        ({"channel_fraction": 1.5}, "channel_fraction"),
        ({"conv_model": "lenet-7"}, "conv_model 'lenet-7' is not a registered model"),
        ({"seeds": 0}, "seeds"),
    ],
)
def test_bad_settings_are_config_errors_naming_the_setting(data, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(CompressionConfig, data)


def test_bad_settings_from_the_cli_exit_2_without_a_traceback(tmp_path, capsys):
    argv = ["run", NAME, "--run-dir", str(tmp_path / "x")]
    for setting in (
        "sparsities=[1.0]",
        "channel_fraction=0",
        "conv_model=nosuch",
        "conv_model=preact-resnet",  # registered, but not a chain channel pruning can cut
    ):
        assert main([*argv, "--set", setting]) == 2, setting
        err = capsys.readouterr().err
        assert setting.split("=")[0] in err and "Traceback" not in err
    assert "residual connection" in err
    assert not (tmp_path / "x").exists()


def test_the_latest_distillation_run_shows_beside_the_table(tmp_path, quick, monkeypatch):
    from learnlab.runs.index import append_to_index

    for errors, name in ((300.0, "old"), (120.0, "new")):
        run = tmp_path / "runs" / name
        run.mkdir(parents=True)
        summary = {"teacher_errors": 100.0, "scratch_errors": 150.0, "distilled_errors": errors}
        (run / "summary.json").write_text(json.dumps(summary))
        (run / "config.json").write_text(json.dumps({"student_width": 800, "limit_test": None}))
        append_to_index(run, {"kind": "distillation"})
    run_dir = tmp_path / NAME
    summary = run_recipe(NAME, quick(NAME, seeds=1), run_dir=run_dir).summary
    assert summary["distillation_run"] == "new"
    rows = json.loads((run_dir / "tables.json").read_text())["distillation"]
    assert [r["test accuracy"] for r in rows] == ["99.00%", "98.50%", "98.80%"]
    assert rows[2]["parameters"] == f"{785 * 800 + 801 * 800 + 801 * 10:,}"
    assert rows[2]["size ratio"] == "1.88x"  # 2,395,210 teacher parameters / 1,276,810


@pytest.mark.slow
def test_the_default_configuration_meets_the_issue_targets(tmp_path):
    summary = run_recipe(NAME, {"progress": False}, run_dir=tmp_path / NAME).summary
    assert summary["target_int8_accuracy_met"] and summary["target_int8_size_met"]
    assert summary["target_channel_speedup_met"]
