"""`learnlab train` end to end on the 8x8 digits: the run directory, determinism, the NaN
guard, and a run killed with SIGKILL mid-epoch that resumes to bit-identical weights."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from learnlab.cli import main
from learnlab.runs import read_index

QUICK = [
    "train",
    "--dataset",
    "digits",
    "--model",
    "mlp",
    "--set",
    "progress=false",
    "--set",
    "model_options.width=32",
]


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_train_writes_a_complete_run_directory(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(QUICK + ["--epochs", "10", "--run-dir", str(run)]) == 0
    out = capsys.readouterr()
    assert out.out.strip().splitlines()[-1] == str(run)  # the last line is the run directory
    for name in [
        "config.json",
        "metrics.jsonl",
        "checkpoint.safetensors",
        "model.safetensors",
        "summary.json",
        "report.html",
    ]:
        assert (run / name).is_file(), name
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["epochs_completed"] == 10
    assert summary["test_accuracy"] > 0.8
    assert {"test_loss", "train_seconds", "test_macro_f1", "val_accuracy"} <= set(summary)
    # one naming scheme: every metric of the test split is test_..., the F1 beside the AUC
    assert {"test_macro_precision", "test_macro_recall", "test_macro_auc"} <= set(summary)
    assert not [key for key in summary if key.startswith("macro_")]
    lines = (run / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["epoch"] for line in lines] == list(range(1, 11))
    assert json.loads((run / "config.json").read_text())["dataset"] == "digits"
    (entry,) = read_index()
    assert entry["run_dir"] == str(run.resolve()) and entry["kind"] == "train"
    assert entry["test_accuracy"] == summary["test_accuracy"]
    # a run never overwrites another
    assert main(QUICK + ["--epochs", "1", "--run-dir", str(run)]) == 2
    assert "already holds files" in capsys.readouterr().err


def test_same_seed_same_weights_different_seed_different(tmp_path):
    runs = {}
    for name, seed in [("a", 5), ("b", 5), ("c", 6)]:
        args = QUICK + [
            "--epochs",
            "2",
            "--seed",
            str(seed),
            "--run-dir",
            str(tmp_path / name),
            "--set",
            "model_options.dropout=0.2",
            "--set",
            "augment_translate=1",
        ]
        assert main(args) == 0
        runs[name] = sha256(tmp_path / name / "model.safetensors")
    assert runs["a"] == runs["b"] != runs["c"]


def test_nan_guard_stops_a_diverging_run_with_exit_1(tmp_path, capsys):
    run = tmp_path / "run"
    code = main(
        QUICK
        + [
            "--optimizer",
            "sgd",
            "--lr",
            "90",
            "--epochs",
            "5",
            "--set",
            "model_options.width=256",
            "--run-dir",
            str(run),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1, err
    assert "the loss became" in err and "learning rate" in err and "Traceback" not in err
    assert json.loads((run / "summary.json").read_text())["status"] == "failed"


def _checkpoint_position(path: Path) -> tuple[int, int] | None:
    """(epoch, batch_in_epoch) stored in a checkpoint, read from its JSON header only."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            meta = json.loads(f.metadata()["learnlab"])
    except Exception:
        return None
    trainer = dict(meta["state"]["__dict__"])["trainer"]
    fields = dict(trainer["__dict__"])
    return fields["epoch"], fields["batch_in_epoch"]


def test_sigkill_mid_epoch_then_resume_gives_bit_identical_weights(tmp_path):
    args = QUICK[1:] + [
        "--epochs",
        "4",
        "--batch-size",
        "8",
        "--seed",
        "11",
        "--set",
        "model_options.dropout=0.1",
        "--set",
        "augment_translate=1",
        "--set",
        "checkpoint_every_batches=1",
        # 25 batches an epoch: enough to be killed mid-epoch, with a checkpoint on each batch
        "--set",
        "limit_train=200",
        "--optimizer",
        "adam",
        "--set",
        "schedule=cosine",
    ]
    reference = tmp_path / "reference"
    assert main(["train", *args, "--run-dir", str(reference)]) == 0

    killed = tmp_path / "killed"
    env = {**os.environ, "LEARNLAB_RUNS": str(tmp_path / "runs")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "learnlab", "train", *args, "--run-dir", str(killed)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    ckpt = killed / "checkpoint.safetensors"
    deadline = time.monotonic() + 120
    position = None
    while time.monotonic() < deadline and proc.poll() is None:
        position = _checkpoint_position(ckpt) if ckpt.exists() else None
        if position is not None and position[0] >= 1 and position[1] >= 5:
            break
        time.sleep(0.005)
    assert proc.poll() is None, (
        "the run ended before it could be killed: " + proc.stderr.read().decode()
    )
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not (killed / "model.safetensors").exists()
    assert _checkpoint_position(ckpt)[0] < 4  # the checkpoint is whole and mid-run

    assert main(["train", "--resume", str(killed), "--set", "progress=false"]) == 0
    assert sha256(killed / "model.safetensors") == sha256(reference / "model.safetensors")
    ref_history = (reference / "metrics.jsonl").read_text().splitlines()
    new_history = (killed / "metrics.jsonl").read_text().splitlines()
    strip = [{k: v for k, v in json.loads(line).items() if k != "seconds"} for line in ref_history]
    assert strip == [
        {k: v for k, v in json.loads(line).items() if k != "seconds"} for line in new_history
    ]


def test_load_model_rebuilds_the_trained_network(tmp_path, capsys):
    import torch

    from learnlab.data import load_dataset, normalize
    from learnlab.models.saved import load_model, load_model_info

    run = tmp_path / "run"
    assert main(QUICK + ["--epochs", "3", "--run-dir", str(run)]) == 0
    model, recipe = load_model(run), load_model_info(run)
    ds = load_dataset("digits")
    x = normalize(ds.test.x, scale=recipe["scale"], mean=recipe["mean"], std=recipe["std"])
    with torch.no_grad():
        accuracy = (model(x).argmax(1) == ds.test.y).float().mean().item()
    summary = json.loads((run / "summary.json").read_text())
    assert accuracy == pytest.approx(summary["test_accuracy"], abs=1e-6)


def test_quickstart_falls_back_to_digits_without_mnist(tmp_path, monkeypatch, capsys):
    empty = tmp_path / "no-data"
    empty.mkdir()
    monkeypatch.setenv("LEARNLAB_DATA", str(empty))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    run = tmp_path / "quick"
    assert main(["run", "quickstart", "--run-dir", str(run), "--set", "download=false"]) == 0
    out = capsys.readouterr()
    assert "8x8 digits instead" in out.err
    assert out.out.strip().splitlines()[-1] == str(run)
    summary = json.loads((run / "summary.json").read_text())
    assert summary["dataset"] == "digits" and summary["test_accuracy"] > 0.85
    assert (run / "report.html").is_file()
