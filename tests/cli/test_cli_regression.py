"""`learnlab train` on a regression data set: the MSE objective, R^2 and the baselines in
summary.json (equal to scikit-learn's on the stored predictions), and the report's regression
section with its residual plot."""

from __future__ import annotations

import json

import pytest
from sklearn.metrics import r2_score as sk_r2

from learnlab import runs
from learnlab.cli import main
from learnlab.runs.directory import (
    BASELINE_PREDICTIONS_PREFIX,
    TEST_PREDICTIONS_KEY,
    TEST_TARGETS_KEY,
)


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))


def test_train_on_diabetes_reports_r2_residuals_and_the_linear_baseline(tmp_path, capsys):
    run = tmp_path / "run"
    argv = ["train", "--dataset", "diabetes", "--model", "mlp", "--epochs", "3"]
    assert main(argv + ["--set", "progress=false", "--run-dir", str(run)]) == 0
    summary = json.loads((run / "summary.json").read_text())
    tensors, _ = runs.load_outputs(run)
    targets = tensors[TEST_TARGETS_KEY].numpy()
    assert targets.shape == (89, 1)
    predictions = tensors[TEST_PREDICTIONS_KEY].numpy()
    assert summary["test_r2"] == pytest.approx(sk_r2(targets, predictions), abs=1e-5)
    assert summary["test_mse"] == pytest.approx(summary["test_loss"], rel=1e-4)  # the objective
    linear = tensors[BASELINE_PREDICTIONS_PREFIX + "linear"].numpy()
    assert summary["baseline_linear_r2"] == pytest.approx(sk_r2(targets, linear), abs=1e-5)
    assert 0.2 < summary["baseline_linear_r2"] < 0.6  # least squares explains part of it
    page = (run / "report.html").read_text()
    assert "Regression metrics and baselines" in page and "linear regression" in page
    assert "Residuals against predictions" in page and "data:image/png" in page
    assert "Test R^2" in page  # the headline's verdict against the linear baseline


def test_friedman1_report_states_the_noise_floor(tmp_path):
    run = tmp_path / "run"
    argv = ["train", "--dataset", "friedman1", "--model", "mlp", "--epochs", "1"]
    argv += ["--set", "limit_train=500", "--set", "progress=false", "--run-dir", str(run)]
    assert main(argv) == 0
    summary = json.loads((run / "summary.json").read_text())
    assert 0.02 < summary["noise_floor_mse"] < 0.06
    assert summary["test_mse"] > summary["noise_floor_mse"]
    assert "known noise" in (run / "report.html").read_text()
