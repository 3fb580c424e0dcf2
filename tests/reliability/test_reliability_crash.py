"""Crash safety: SIGKILL at seeded random points, resume, and end bit-identical.

Design: ONE run is killed again and again. Each attempt is a fresh Python process running
crash_driver.py, which trains (or resumes) the run and SIGKILLs itself at a chosen point:
during an optimizer step, during a checkpoint write, or during validation. The phases come
in a seeded random order and each kill point is drawn by a seeded RNG a few steps (or an
epoch boundary) past the position of the checkpoint on disk. After every kill the test checks:

- the process died by SIGKILL, and the checkpoint on disk loads (its checksums verify) and is
  where that kind of kill must leave it (a mid-step kill: the step before; a kill during
  validation: the end of that epoch's batches);
- a kill "during the checkpoint write" left the write's temporary file (proof that the
  write was cut), and the next attempt deleted it (the resume removes stale temp files).

Finally the run is resumed to the end, and its model.safetensors must be byte-identical to
that of an uninterrupted run of the same config (run at the same time by another process),
and its metric history equal (wall-clock seconds aside).

The model is an MLP with dropout, the images are randomly translated, the optimizer is Adam
with a cosine schedule and the run holds out a validation split, so weights, optimizer
moments, schedule, loader position and every RNG state must all be restored exactly.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from learnlab.train.checkpoint import load_state

DRIVER = Path(__file__).with_name("crash_driver.py")
LIMIT_TRAIN, BATCH_SIZE = 240, 16
STEPS_PER_EPOCH = -(-LIMIT_TRAIN // BATCH_SIZE)  # 15
TEMP_PREFIX = ".checkpoint.safetensors."
MAX_WRITE_ATTEMPTS = 6


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))


def crash_config(epochs: int) -> dict:
    return {
        "dataset": "digits",
        "model": "mlp",
        "model_options": {"width": 32, "dropout": 0.1},
        "augment_translate": 1,
        "optimizer": "adam",
        "schedule": "cosine",
        "batch_size": BATCH_SIZE,
        "limit_train": LIMIT_TRAIN,
        "val_fraction": 0.1,
        "epochs": epochs,
        "seed": 7,
        "checkpoint_every_batches": 1,
        "progress": False,
        "baselines": False,
    }


def start_driver(config_file: Path, run_dir: Path, mode: str, kill: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.Popen(
        [sys.executable, str(DRIVER), str(config_file), str(run_dir), mode, kill],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


class AttemptServer:
    """crash_driver.py serve: one process that imports torch once and forks every attempt."""

    def __init__(self, config_file: Path, log: Path) -> None:
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, str(DRIVER), "serve", str(config_file)],
            env={**os.environ, "PYTHONHASHSEED": "0"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log.open("wb"),
            text=True,
        )

    def attempt(self, run_dir: Path, mode: str, kill: str) -> int:
        """Run one attempt; its return code as subprocess gives it (-9 for SIGKILL)."""
        self.proc.stdin.write(f"{run_dir} {mode} {kill}\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().split()
        if not answer:
            raise AssertionError(f"the attempt server died:\n{self.log.read_text()}")
        code = -int(answer[1]) if answer[0] == "signal" else int(answer[1])
        if code not in (0, -signal.SIGKILL):
            raise AssertionError(f"attempt {mode} {kill} failed ({code}):\n{self.log.read_text()}")
        return code

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def position(run_dir: Path) -> tuple[int, int, int]:
    """(epoch, batch_in_epoch, step) of the checkpoint on disk; load_state verifies it."""
    trainer = load_state(run_dir / "checkpoint.safetensors")["trainer"]
    return trainer["epoch"], trainer["batch_in_epoch"], trainer["step"]


def temp_files(run_dir: Path) -> set[str]:
    return {name for name in os.listdir(run_dir) if name.endswith(".tmp")}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def history(run_dir: Path) -> list[dict]:
    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    return [{k: v for k, v in json.loads(line).items() if k != "seconds"} for line in lines]


def choose_kill(phase: str, rng: random.Random, run_dir: Path, epochs: int) -> str:
    """A kill point of `phase` a little past the checkpoint on disk (and before the end)."""
    has_checkpoint = (run_dir / "checkpoint.safetensors").exists()
    epoch, batch, step = position(run_dir) if has_checkpoint else (0, 0, 0)
    if phase == "validation":
        # the validation of the epoch in progress, or (30%) of the one after; once an epoch's
        # batches are done, a later one (so that no validation is killed twice)
        target = epoch + 1 + (batch == STEPS_PER_EPOCH) + (rng.random() < 0.3)
        return f"validation:{min(target, epochs)}"
    # (a kill during the first write would leave no checkpoint at all, nothing to resume)
    target = max(step + rng.randint(1, 4), 2)
    return f"{phase}:{min(target, epochs * STEPS_PER_EPOCH - 2)}"


def kill_and_resume(tmp_path: Path, phases: list[str], epochs: int, seed: int) -> list[str]:
    """Kill one run once per entry of `phases` (in a seeded order), resume it to the end,
    and compare it with an uninterrupted run. Returns the kill points used."""
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(crash_config(epochs)))
    reference_dir, run_dir = tmp_path / "reference", tmp_path / "killed"
    # the uninterrupted run trains meanwhile in its own process (the machine has 2 cores)
    reference = start_driver(config_file, reference_dir, "fresh", "none")

    server = AttemptServer(config_file, tmp_path / "attempts.log")
    try:
        kills = _kill_repeatedly(server, run_dir, phases, epochs, seed)
        assert server.attempt(run_dir, "resume", "none") == 0
    finally:
        server.close()
    _, err = reference.communicate(timeout=300)
    assert reference.returncode == 0, err.decode()
    assert temp_files(run_dir) == set()
    assert sha256(run_dir / "model.safetensors") == sha256(reference_dir / "model.safetensors")
    assert history(run_dir) == history(reference_dir)
    assert len(history(run_dir)) == epochs
    return kills


def _kill_repeatedly(
    server: AttemptServer, run_dir: Path, phases: list[str], epochs: int, seed: int
) -> list[str]:
    rng = random.Random(seed)
    order = phases[:]
    rng.shuffle(order)
    kills: list[str] = []
    stale: set[str] = set()
    for phase in order:
        for _attempt in range(MAX_WRITE_ATTEMPTS):
            kill = choose_kill(phase, rng, run_dir, epochs)
            mode = "resume" if (run_dir / "checkpoint.safetensors").exists() else "fresh"
            code = server.attempt(run_dir, mode, kill)
            assert code == -signal.SIGKILL, f"{kill}: the run ended before it was killed"
            assert not (run_dir / "model.safetensors").exists()
            after = position(run_dir)  # loads, checksums verified: the checkpoint is whole
            left = temp_files(run_dir)
            # the attempt that resumed deleted what earlier kills left behind
            assert not (stale & left), f"stale temp files not removed: {stale & left}"
            stale = left
            kind, _, target = kill.partition(":")
            if kind == "step":
                assert after[2] == int(target), (kill, after)  # the step before the kill
            if kind == "validation":
                assert after == (int(target) - 1, STEPS_PER_EPOCH, int(target) * STEPS_PER_EPOCH)
            if kind != "write" or any(name.startswith(TEMP_PREFIX) for name in left):
                break  # a write kill counts only when it cut a write (its temp file is left)
        else:
            pytest.fail(f"no kill during a checkpoint write in {MAX_WRITE_ATTEMPTS} attempts")
        kills.append(kill)
    return kills


def test_three_sigkills_step_write_validation_then_resume_is_bit_identical(tmp_path):
    kills = kill_and_resume(tmp_path, ["step", "write", "validation"], epochs=3, seed=3)
    assert sorted(k.split(":")[0] for k in kills) == ["step", "validation", "write"]


@pytest.mark.slow
def test_twenty_sigkills_at_seeded_random_points_then_resume_is_bit_identical(tmp_path):
    phases = ["step"] * 8 + ["write"] * 6 + ["validation"] * 6
    kills = kill_and_resume(tmp_path, phases, epochs=12, seed=20)
    assert len(kills) == 20
