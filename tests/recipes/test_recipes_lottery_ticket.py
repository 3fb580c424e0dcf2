"""The lottery-ticket reproduction (Frankle & Carbin 2019): LeNet-300-100 on MNIST pruned
iteratively, the tickets against random reinit and random pruning.

Fast tests: the defaults are the paper's set-up (Adam 1.2e-3, batch 60, 20% / 10% per round,
15 rounds to Pm = 3.6%, reset to theta_0, 5,000 validation images, 3 seeds), bad settings are
refused (ConfigError naming the setting; exit 2 from the CLI), and a quick run reports every
level and control with the figure and the paper's table. The slow test asserts the issue's
three targets on the default configuration.
"""

from __future__ import annotations

import json

import pytest
import torch

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes.lottery_ticket.config import LotteryTicketConfig

NAME = "lottery-ticket"

pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def test_the_defaults_are_the_papers_set_up():
    from learnlab.analysis.lottery import lenet_300_100
    from learnlab.analysis.pruning import layer_rates, remaining_after

    config = LotteryTicketConfig()
    assert (config.lr, config.batch_size, config.seeds) == (1.2e-3, 60, 3)
    assert (config.prune_rate, config.output_prune_rate, config.rewind_iteration) == (0.2, 0.1, 0)
    assert config.validation == 5000 and config.controls
    # the controls train at the levels the claims read, the ticket at every round
    assert config.control_levels == [21.1, 13.5, 7.0, 3.6]
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
        ({"control_levels": [0.0]}, "control_levels"),
        ({"control_levels": [21.1, 150.0]}, "control_levels"),
        ({"control_levels": "all"}, "control_levels"),
    ],
)
def test_bad_settings_are_config_errors_naming_the_setting(data, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(LotteryTicketConfig, data)


def test_a_pruning_fraction_outside_zero_one_from_the_cli_exits_2(tmp_path, capsys):
    argv = ["reproduce", NAME, "--quick", "--run-dir", str(tmp_path / "x")]
    for setting in ("prune_rate=1.5", "output_prune_rate=0", "control_levels=[150]"):
        assert main([*argv, "--set", setting]) == 2
        err = capsys.readouterr().err
        assert setting.split("=")[0] in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_quick_run_reports_every_level_and_the_controls_at_the_report_levels(
    tmp_path, quick_run_copy
):
    run_dir = tmp_path / NAME
    summary = quick_run_copy(NAME, run_dir).summary
    assert [round(summary[f"pm_r{r}"], 1) for r in range(3)] == [100.0, 80.0, 64.1]
    assert summary["seeds"] == 2
    # the report levels (21.1% ... 3.6%) are all closest to round 2 of a quick run: the
    # controls train there only, the ticket at every round
    assert "ticket_test_accuracy_r1" in summary and "reinit_test_accuracy_r1" not in summary
    # 20 iterations are far too few: every early stop comes at the cap, and is counted
    assert summary["dense_censored"] == 2 and summary["reinit_censored_r2"] == 2
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
    assert len(rows) == 3 and rows[1]["random reinit: test accuracy"] == "-"
    assert rows[2]["random reinit: early-stop iteration"] == "20 (2 of 2 at the cap)"
    assert summary["target_window_censored"] == 0  # Pm 64.1% is not in the window
    assert len(json.loads((run_dir / "figures.json").read_text())) == 1
    assert (run_dir / "report.html").is_file()


def sweep_with_ticket_stops(window_stops: list[list[int]]):
    """A sweep of 3 seeds, cap 4000: the dense network stops at 3000, 3500 and 4000 (mean
    3500, one censored), the tickets at Pm 21.1, 16.9, 13.5% at `window_stops`."""
    import numpy as np

    from learnlab.analysis.lottery import CONTROLS, LotterySweep, PruningRound

    def level(round_, pm, stops, controls=1):
        stops = np.array(stops * controls).reshape(controls, 3)
        return PruningRound(
            round=round_,
            remaining=pm,
            early_stop_iteration=stops,
            test_accuracy=np.full((controls, 3), 0.98),
            final_test_accuracy=np.full((controls, 3), 0.98),
            val_loss=np.zeros((controls, 3, 16)),
            eval_iterations=np.arange(250, 4001, 250),
        )

    rounds = [level(0, 1.0, [3000, 3500, 4000])]
    rounds += [
        level(r, pm, stops)
        for r, pm, stops in zip([7, 8, 9], [0.211, 0.169, 0.135], window_stops, strict=True)
    ]
    rounds += [level(12, 0.070, [2000, 2000, 2000], controls=3)]
    return LotterySweep((0, 1, 2), CONTROLS, tuple(rounds), ())


def test_a_ticket_stopped_at_the_cap_never_counts_as_stopping_earlier():
    from learnlab.recipes.lottery_ticket.outcome import summarize

    config = LotteryTicketConfig()
    earlier = sweep_with_ticket_stops([[2000, 2250, 2500]] * 3)
    summary = summarize(config, earlier, 1.0)
    assert summary["dense_censored"] == 1 and summary["target_window_censored"] == 0
    assert summary["target_earlier_met"]
    # the mean at Pm 16.9% (2000) is below the dense network's (3500), but one ticket's
    # validation loss was still falling at the cap: its early stop is not measured
    censored = sweep_with_ticket_stops([[2000, 2250, 2500], [4000, 1000, 1000], [2000] * 3])
    summary = summarize(config, censored, 1.0)
    assert summary["ticket_censored_r8"] == 1 and summary["target_window_censored"] == 1
    assert not summary["target_earlier_met"]


@pytest.mark.slow
def test_the_default_configuration_meets_the_targets(tmp_path, data_root):
    torch.set_num_threads(2)
    run_dir = tmp_path / NAME
    argv = ["reproduce", NAME, "--run-dir", str(run_dir), "--set", "progress=false"]
    argv += ["--set", f"data_root={json.dumps(str(data_root))}", "--set", "download=false"]
    assert main(argv) == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    # the run of 2026-12-06 (4,000 iterations per round) met all three targets; no ticket in
    # the window stopped at the cap, so "earlier" compares measured early stops
    assert summary["target_accuracy_met"], summary
    assert summary["target_reinit_met"], summary
    assert summary["target_window_censored"] == 0, summary
    assert summary["target_earlier_met"], summary
