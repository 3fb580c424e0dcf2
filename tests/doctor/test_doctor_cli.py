"""`learnlab doctor` end to end on the 8x8 digits, and the API on a healthy CNN; the slow
test runs the whole doctor on LeNet-5 and MNIST."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from learnlab.cli import main
from learnlab.config import TrainConfig
from learnlab.doctor import CHECK_NAMES, diagnose
from learnlab.pipeline import prepare_data
from learnlab.pipeline.build import build_model_for

QUICK = ["doctor", "--dataset", "digits", "--model", "mlp", "--set", "model_options.width=32"]


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))


def test_a_healthy_mlp_passes_every_check_and_writes_the_report(tmp_path, capsys):
    run = tmp_path / "doctor"
    assert main(QUICK + ["--run-dir", str(run)]) == 0
    out = capsys.readouterr()
    assert out.out.strip().splitlines()[-1] == str(run)
    for name in CHECK_NAMES:
        assert f"PASS  {name}" in out.err
    assert "doctor: PASS (6 passed, 0 warnings, 0 failed)" in out.err
    page = (run / "doctor.html").read_text()
    assert "Model doctor: mlp on digits" in page
    assert "Verdict: PASS" in page
    for name in CHECK_NAMES:
        assert f"<td>{name}</td><td>PASS</td>" in page
    assert page.count("data:image/png;base64,") >= 4  # activations, overfit, lr range, worst
    report = json.loads((run / "doctor.json").read_text())
    assert report["exit_code"] == 0 and report["status"] == "pass"
    assert [c["name"] for c in report["checks"]] == list(CHECK_NAMES)
    assert report["context"]["model"] == "mlp"


def test_an_exploding_learning_rate_fails_with_exit_code_1(tmp_path, capsys):
    run = tmp_path / "doctor"
    args = ["--set", "optimizer=sgd", "--lr", "50", "--checks", "lr-range", "--run-dir", str(run)]
    assert main(QUICK + args) == 1
    err = capsys.readouterr().err
    assert "FAIL  lr-range" in err and "configured lr 50 is above where the loss explodes" in err
    report = json.loads((run / "doctor.json").read_text())
    assert report["status"] == "fail" and report["checks"][0]["values"]["configured_lr"] == 50


def test_bad_input_exits_2_with_a_message(tmp_path, capsys):
    assert main(QUICK + ["--checks", "gradients,speling"]) == 2
    assert "unknown check(s) 'speling'" in capsys.readouterr().err
    assert main(QUICK + ["--weights", str(tmp_path / "nothing")]) == 2
    assert "no model.safetensors there" in capsys.readouterr().err


def test_trained_weights_are_loaded_and_checked(tmp_path, capsys):
    from learnlab.runs import save_model

    config = TrainConfig(dataset="digits", model="mlp", model_options={"width": 32})
    data = prepare_data(config)
    torch.manual_seed(1)
    model = build_model_for(config, data.dataset.input_shape, data.dataset.num_outputs)
    with torch.no_grad():
        model.out.bias.copy_(torch.arange(10.0))  # predicts class 9 for everything
    save_model(tmp_path / "model.safetensors", model, {})
    run = tmp_path / "doctor"
    args = ["--weights", str(tmp_path), "--checks", "worst-examples", "--run-dir", str(run)]
    assert main(QUICK + args) == 0
    worst = json.loads((run / "doctor.json").read_text())["checks"][0]
    assert "untrained" not in worst["summary"]
    assert {row["predicted"] for row in worst["values"]["worst"]} == {"9"}
    wrong = TrainConfig(dataset="digits", model="mlp", model_options={"width": 16})
    shape, outputs = data.dataset.input_shape, data.dataset.num_outputs
    save_model(tmp_path / "model.safetensors", build_model_for(wrong, shape, outputs), {})
    assert main(QUICK + ["--weights", str(tmp_path)]) == 2
    assert "does not fit this model" in capsys.readouterr().err


def _small_cnn() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Dropout(0.25),
        nn.Flatten(),
        nn.Linear(8 * 4 * 4, 10),
    )


def test_a_healthy_cnn_with_dropout_passes_every_check_and_is_left_unchanged():
    data = prepare_data(TrainConfig(dataset="digits", model="mlp"))
    model = _small_cnn()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    report = diagnose(model, data.train, data.test, lr=2e-3, optimizer="adam")
    assert report.exit_code == 0
    assert {r.name: r.status for r in report.results} == dict.fromkeys(CHECK_NAMES, "pass")
    assert model.training and all(p.grad is None for p in model.parameters())
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())


def test_a_dead_network_fails_the_doctor():
    data = prepare_data(TrainConfig(dataset="digits", model="mlp"))
    model = _small_cnn()
    with torch.no_grad():
        model[0].bias.fill_(-100.0)
    report = diagnose(model, data.train, data.test, checks="activations,overfit")
    assert report.exit_code == 1
    assert report["activations"].status == "fail" and report["overfit"].status == "fail"
    # training from scratch is judged from the initial weights when they are given
    healthy = diagnose(model, data.train, data.test, checks="overfit", initial_model=_small_cnn())
    assert healthy.exit_code == 0


@pytest.mark.slow
def test_a_healthy_lenet5_on_mnist_passes_every_check(data_root, tmp_path, capsys):
    run = tmp_path / "doctor"
    args = ["doctor", "--model", "lenet5", "--dataset", "mnist", "--run-dir", str(run)]
    assert main(args + ["--set", f"data_root={data_root}"]) == 0
    assert "doctor: PASS (6 passed, 0 warnings, 0 failed)" in capsys.readouterr().err
