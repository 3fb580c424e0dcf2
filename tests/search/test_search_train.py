"""A real training search end to end (digits + MLP, 3 trials of 2 epochs, random sampler),
and the pruning callback that reports each epoch to the trial and stops a pruned fit."""

from __future__ import annotations

import json
from pathlib import Path

import optuna
import pytest

from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.search.objective import PruningCallback, metric_value
from learnlab.train.events import CancelFit

DIGITS_SEARCH = """
dataset = "digits"
model = "mlp"
epochs = 2
[search]
sampler = "random"
trials = 3
[search.space]
lr = { type = "float", low = 1e-3, high = 3e-2, log = true }
"model_options.width" = { type = "int", low = 16, high = 48 }
batch_size = { type = "categorical", choices = [32, 64] }
"""


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))


def test_a_training_search_runs_trials_and_reports_them(tmp_path, capsys, data_root):
    # trials skip their own report and the baselines, so 3 trials x 2 epochs take seconds
    n_trials, epochs = 3, 2
    config = tmp_path / "digits.toml"
    config.write_text(DIGITS_SEARCH)
    search_dir = tmp_path / "search"
    argv = ["search", "--config", str(config), "--search-dir", str(search_dir)]
    argv += ["--trials", str(n_trials), "--set", f"epochs={epochs}"]
    assert main(argv) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(search_dir)

    results = json.loads((search_dir / "results.json").read_text())
    assert results["metric"] == "val_accuracy" and results["direction"] == "maximize"
    trials = results["trials"]
    assert [t["state"] for t in trials] == ["COMPLETE"] * n_trials
    for trial in trials:
        run_dir = Path(trial["run_dir"])
        assert run_dir.parent == search_dir / "trials"
        summary = json.loads((run_dir / "summary.json").read_text())
        run_config = json.loads((run_dir / "config.json").read_text())
        assert trial["val_accuracy"] == summary["val_accuracy"]  # the trial's value
        assert summary["epochs_completed"] == epochs
        # the sampled values reached the training config, the dotted one nested
        assert run_config["lr"] == trial["lr"] and run_config["batch_size"] == trial["batch_size"]
        assert run_config["model_options"] == {"width": trial["model_options.width"]}
        assert run_config["baselines"] is False  # a trial skips the baselines' fit
        assert "baseline_logreg_accuracy" not in summary
        assert not (run_dir / "report.html").exists()  # and its report: learnlab report draws it
    assert max(t["val_accuracy"] for t in trials) == results["best"]["value"] > 0.5
    # trials stay out of the run index
    from learnlab.runs import read_index

    assert not [e for e in read_index() if str(search_dir) in e["run_dir"]]

    page = (search_dir / "search.html").read_text()
    assert "<h3>Trials</h3>" in page and "<h3>Best trial</h3>" in page
    assert "Optimisation history" in page and "Parallel coordinates" in page
    assert page.count("data:image/png;base64,") >= 3
    assert "model_options.width" in page


class FakeTrainer:
    def __init__(self) -> None:
        self.history: list[dict[str, float]] = []


def test_pruning_callback_reports_each_epoch_and_stops_a_pruned_fit():
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(
        direction="maximize", pruner=optuna.pruners.MedianPruner(n_startup_trials=1)
    )
    for accuracy in (0.9, 0.95):  # two earlier trials that did well at epoch 1
        done = study.ask()
        done.report(accuracy, 1)
        study.tell(done, accuracy)
    trial = study.ask()
    callback = PruningCallback(trial, "val_accuracy", pruning=True)
    trainer = FakeTrainer()
    trainer.history.append({"epoch": 1, "val_accuracy": 0.5, "train_loss": 1.0})
    with pytest.raises(CancelFit):
        callback.after_epoch(trainer)
    assert callback.pruned_epoch == 1
    assert study.trials[-1].intermediate_values == {1: 0.5}

    # a metric the history lacks: an error with pruning, nothing to report without
    trainer.history[-1] = {"epoch": 1, "train_loss": 1.0}
    with pytest.raises(ConfigError, match="records only epoch, train_loss per epoch"):
        PruningCallback(trial, "test_accuracy", pruning=True).after_epoch(trainer)
    PruningCallback(trial, "test_accuracy", pruning=False).after_epoch(trainer)


def test_metric_value_reads_the_summary_then_the_last_epoch():
    history = [{"epoch": 1, "val_loss": 0.5}, {"epoch": 2, "val_loss": 0.25}]
    assert metric_value({"test_accuracy": 0.9}, history, "test_accuracy") == 0.9
    assert metric_value({}, history, "val_loss") == 0.25
    with pytest.raises(ConfigError, match="not recorded.*test_accuracy, val_loss"):
        metric_value({"test_accuracy": 0.9, "status": "completed"}, history, "val_acc")
