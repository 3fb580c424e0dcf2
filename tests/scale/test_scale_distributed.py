"""`learnlab train --nproc 2`: DistributedDataParallel through torchrun on the CPU (gloo).

The oracle is a single process: with the same global batch, seed and data order, 2 processes
end with the same weights (to 1e-5). A rank SIGKILLed mid-run ends the whole run with exit 1
and a message naming it, well within the collective timeout; the run then resumes with
--nproc 2 to the weights of the uninterrupted 2-process run. Each launch costs a few seconds
(every rank imports torch), so the runs are shared through a module fixture.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from learnlab.config import TrainConfig
from learnlab.pipeline import run_training
from learnlab.train.checkpoint import load_state

TIMEOUT_S = 60  # the collective timeout the runs get (LEARNLAB_COLLECTIVE_TIMEOUT)
ARGS = [
    "train",
    "--dataset",
    "digits",
    "--model",
    "mlp",
    "--epochs",
    "2",
    "--batch-size",
    "64",  # 1293 training examples: the last batch (13) splits 7/6 between the ranks
    "--seed",
    "3",
    "--set",
    "progress=false",
    "--set",
    "baselines=false",
    "--set",
    "model_options.width=32",
    "--set",
    "checkpoint_every_batches=4",
]
# the killed run: longer (6 epochs of a wider model), for time to kill it after a checkpoint
LONG_ARGS = [*ARGS, "--epochs", "6", "--set", "model_options.width=256"]


def learnlab(*args: str, runs: Path, **popen) -> subprocess.Popen:
    env = {
        **os.environ,
        "LEARNLAB_RUNS": str(runs),
        "LEARNLAB_COLLECTIVE_TIMEOUT": str(TIMEOUT_S),
        "LEARNLAB_THREADS": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "learnlab", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def finished(proc: subprocess.Popen, timeout: float = 240) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"learnlab did not finish in {timeout} s:\n{err[-3000:]}")
    return proc.returncode, out, err


def weights(run: Path) -> dict[str, torch.Tensor]:
    return load_file(run / "model.safetensors")


def max_difference(a: dict, b: dict) -> float:
    assert a.keys() == b.keys()
    return max(float((a[k] - b[k]).abs().max()) for k in a)


@pytest.fixture(scope="module")
def two_process_run(tmp_path_factory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("ddp")
    run = root / "two"
    code, out, err = finished(learnlab(*ARGS, "--run-dir", str(run), "--nproc", "2", runs=root))
    assert code == 0, err[-3000:]
    return run, out


def test_two_processes_end_with_the_weights_of_one(two_process_run, tmp_path, monkeypatch):
    two, out = two_process_run
    one = tmp_path / "one"
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path))
    config = TrainConfig(  # ARGS, run in this process (no torch to import, no report to draw)
        dataset="digits",
        model="mlp",
        epochs=2,
        batch_size=64,
        seed=3,
        progress=False,
        baselines=False,
        model_options={"width": 32},
    )
    run_training(config, run_dir=one, report=False, index=False)
    assert max_difference(weights(one), weights(two)) < 1e-5
    # rank 0 alone writes: one run directory printed, one line per epoch, the metrics reduced
    # over both ranks' shares (the same means as one process's, to rounding)
    assert out.strip().splitlines() == [str(two)]
    ones = [json.loads(line) for line in (one / "metrics.jsonl").read_text().splitlines()]
    twos = [json.loads(line) for line in (two / "metrics.jsonl").read_text().splitlines()]
    assert len(twos) == len(ones) == 2
    for a, b in zip(ones, twos, strict=True):
        for key in ("train_loss", "train_accuracy", "val_loss", "val_accuracy"):
            assert b[key] == pytest.approx(a[key], abs=1e-5), key
    summary_one = json.loads((one / "summary.json").read_text())
    summary_two = json.loads((two / "summary.json").read_text())
    assert summary_two["processes"] == 2 and summary_one["processes"] == 1
    assert summary_two["test_accuracy"] == pytest.approx(summary_one["test_accuracy"], abs=1e-6)
    assert summary_two["test_loss"] == pytest.approx(summary_one["test_loss"], abs=1e-5)


def worker_pids(launcher: int) -> dict[int, int]:
    """{RANK: pid} of the processes torchrun started under `launcher` (their environment)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if parent != launcher:
                continue
            env = (entry / "environ").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue  # ended meanwhile
        ranks = [v.split(b"=", 1)[1] for v in env if v.startswith(b"RANK=")]
        if ranks:
            found[int(ranks[0])] = int(entry.name)
    return found


def checkpoint_step(path: Path) -> int | None:
    try:
        return int(load_state(path)["trainer"]["step"])
    except Exception:  # not written yet, or being replaced
        return None


@pytest.mark.slow  # three launches of 2 processes: about a minute on a loaded 2-core machine
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc")
def test_killed_rank_ends_the_run_which_resumes_to_the_uninterrupted_weights(tmp_path):
    reference = tmp_path / "uninterrupted"
    code, _, err = finished(
        learnlab(*LONG_ARGS, "--run-dir", str(reference), "--nproc", "2", runs=tmp_path)
    )
    assert code == 0, err[-3000:]
    run = tmp_path / "killed"
    proc = learnlab(*LONG_ARGS, "--run-dir", str(run), "--nproc", "2", runs=tmp_path)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        if (checkpoint_step(run / "checkpoint.safetensors") or 0) >= 4:
            break
        time.sleep(0.02)
    ranks = worker_pids(proc.pid)
    assert proc.poll() is None and 1 in ranks, "the run ended before it could be killed"
    os.kill(ranks[1], signal.SIGKILL)
    killed_at = time.monotonic()
    code, _, err = finished(proc, timeout=TIMEOUT_S + 60)
    assert time.monotonic() - killed_at < TIMEOUT_S
    assert code == 1
    assert f"rank 1 (pid {ranks[1]}) ended: killed by SIGKILL" in err
    assert not (run / "model.safetensors").exists()
    assert "Traceback" not in err.split("error:")[-1]

    # resumed with 2 processes, it ends where the uninterrupted 2-process run ends
    resume = ["train", "--resume", str(run), "--nproc", "2", "--set", "progress=false"]
    code, out, err = finished(learnlab(*resume, runs=tmp_path))
    assert code == 0, err[-3000:]
    assert "resuming" in err
    assert max_difference(weights(run), weights(reference)) < 1e-5
