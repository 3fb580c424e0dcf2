"""The lottery-ticket reproduction (Frankle & Carbin 2019): LeNet-300-100 on MNIST pruned
iteratively, the tickets against random reinit and random pruning.

Fast tests: the defaults are the paper's set-up (Adam 1.2e-3, batch 60, 20% / 10% per round,
15 rounds to Pm = 3.6%, reset to theta_0, 5,000 validation images, 3 seeds), bad settings are
refused (ConfigError naming the setting; exit 2 from the CLI), and a quick run reports every
level and control with the figure and the paper's table. The slow test asserts two of the
issue's targets on the default configuration (the third, stopping earlier, was missed).
"""

from __future__ import annotations

import json

import pytest
import torch

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes import get_recipe
from learnlab.recipes.lottery_ticket.config import LotteryTicketConfig
from learnlab.recipes.runner import run_recipe

NAME = "lottery-ticket"

pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def quick(data_root, **overrides) -> dict:
    return {
        **get_recipe(NAME).quick,
        "data_root": str(data_root),
        "download": False,
        "progress": False,
        **overrides,
    }


def test_the_defaults_are_the_papers_set_up():
    from learnlab.analysis.lottery import lenet_300_100
    from learnlab.analysis.pruning import layer_rates, remaining_after

    config = LotteryTicketConfig()
    assert (config.lr, config.batch_size, config.seeds) == (1.2e-3, 60, 3)
    assert (config.prune_rate, config.output_prune_rate, config.rewind_iteration) == (0.2, 0.1, 0)
    assert config.validation == 5000 and config.controls
    model = lenet_300_100()
    rates = layer_rates(model, config.prune_rate, config.output_prune_rate)
    assert round(100 * remaining_after(model, rates, config.rounds), 1) == 3.6


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"prune_rate": 0}, "prune_rate"),
        ({"prune_rate": 1}, "prune_rate"),
        ({"prune_rate": 1.5}, "prune_rate"),
        ({"output_prune_rate": -0.1}, "output_prune_rate"),
        ({"seeds": 0}, "seeds"),
        ({"iterations": 100, "rewind_iteration": 101}, "rewind_iteration"),
        ({"eval_every": 0}, "eval_every"),
    ],
)
def test_bad_settings_are_config_errors_naming_the_setting(data, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(LotteryTicketConfig, data)


def test_a_pruning_fraction_outside_zero_one_from_the_cli_exits_2(tmp_path, capsys):
    argv = ["reproduce", NAME, "--quick", "--run-dir", str(tmp_path / "x")]
    for setting in ("prune_rate=1.5", "output_prune_rate=0"):
        assert main([*argv, "--set", setting]) == 2
        err = capsys.readouterr().err
        assert setting.split("=")[0] in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_quick_run_reports_every_level_and_control(tmp_path, data_root):
    run_dir = tmp_path / NAME
    summary = run_recipe(NAME, quick(data_root), run_dir=run_dir).summary
    assert [round(summary[f"pm_r{r}"], 1) for r in range(3)] == [100.0, 80.0, 64.1]
    assert summary["seeds"] == 2
    for short in ("ticket", "reinit", "random_pruning"):
        accuracy = summary[f"{short}_test_accuracy_r2"]
        assert summary[f"{short}_test_accuracy_r2_min"] <= accuracy
        assert accuracy <= summary[f"{short}_test_accuracy_r2_max"]
        assert summary[f"{short}_early_stop_r2"] in (10, 15, 20)  # the mean of 2 seeds
    # the claims read the closest level of a quick run: here the last, Pm = 64.1%
    assert summary["pm_at_3.6"] == summary["pm_r2"]
    gain = summary["ticket_test_accuracy_r2"] - summary["dense_test_accuracy"]
    assert summary["ticket_gain_at_3.6"] == pytest.approx(gain)
    reinit = summary["ticket_test_accuracy_r2"] - summary["reinit_test_accuracy_r2"]
    assert summary["ticket_minus_reinit_at_7.0"] == pytest.approx(reinit)
    assert summary["target_reinit_met"] == (reinit >= 1.0)
    tables = json.loads((run_dir / "tables.json").read_text())
    (rows,) = tables.values()
    assert len(rows) == 3 and "random reinit: test accuracy" in rows[1]
    assert len(json.loads((run_dir / "figures.json").read_text())) == 1
    assert (run_dir / "report.html").is_file()


@pytest.mark.slow
def test_the_default_configuration_meets_the_targets(tmp_path, data_root):
    torch.set_num_threads(2)
    run_dir = tmp_path / NAME
    argv = ["reproduce", NAME, "--run-dir", str(run_dir), "--set", "progress=false"]
    argv += ["--set", f"data_root={json.dumps(str(data_root))}", "--set", "download=false"]
    assert main(argv) == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["target_accuracy_met"], summary
    assert summary["target_reinit_met"], summary
    # the other target, stopping earlier than the dense network at Pm 13.5-21.1%, is reported
    # but not asserted: the run of 2026-12-06 missed it (2,000 iterations per round cap the
    # early-stop iteration; the recipe's docstring)
    assert summary["target_earlier_met"] == all(
        summary[f"ticket_early_stop_r{r}"] < summary["dense_early_stop"]
        for r in summary["target_window_rounds"]
    )
