"""The acceptance run on real MNIST (about 20 s of training): `make test-slow` runs it."""

from __future__ import annotations

import hashlib
import json

import pytest

from learnlab.cli import main


@pytest.mark.slow
def test_lenet5_two_epochs_reaches_98_5_percent_and_is_deterministic(
    tmp_path, monkeypatch, data_root
):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    hashes = []
    for name in ("a", "b"):
        run = tmp_path / name
        args = [
            "train",
            "--dataset",
            "mnist",
            "--model",
            "lenet5",
            "--epochs",
            "2",
            "--seed",
            "3",
            "--run-dir",
            str(run),
            "--set",
            f"data_root={data_root}",
            "--set",
            "progress=false",
        ]
        assert main(args) == 0
        summary = json.loads((run / "summary.json").read_text())
        assert summary["test_accuracy"] >= 0.985, summary
        hashes.append(hashlib.sha256((run / "model.safetensors").read_bytes()).hexdigest())
    assert hashes[0] == hashes[1]
