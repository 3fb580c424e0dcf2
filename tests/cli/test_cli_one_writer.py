"""One writer per run directory, through the CLI in real processes: two `learnlab train`s
released at the same moment onto one --run-dir (exactly one runs, the other exits 2 naming
it); a `--resume` of a run still training exits 2, and after a SIGKILL the run resumes at once
and finishes; the same for a search directory (a second study refused, the killed search
run again at once) and for the page of `reproduce NAME NAME...`."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from learnlab.cli import main
from learnlab.runs.claim import claim_run_dir
from learnlab.runs.directory import CLAIM_FILE

# imports everything first (seconds), says so, then waits for the barrier file: the two
# processes reach the claim within milliseconds of each other
BARRIER_CHILD = """
import os, sys, time
import learnlab.pipeline, learnlab.commands.train
from learnlab.cli import main
print("ready", flush=True)
while not os.path.exists(sys.argv[1]):
    time.sleep(0.001)
sys.exit(main(sys.argv[2:]))
"""
TINY = ["--dataset", "digits", "--model", "mlp", "--set", "progress=false"]
TINY += ["--set", "baselines=false"]


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")


def start(argv: list[str], barrier: Path | None = None) -> subprocess.Popen:
    if barrier is None:
        command = [sys.executable, "-m", "learnlab", *argv]
    else:
        command = [sys.executable, "-c", BARRIER_CHILD, str(barrier), *argv]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"{path} never appeared: {process.communicate()[1][-2000:]}")
        time.sleep(0.02)


def first_to_end(processes: list[subprocess.Popen], timeout: float = 120) -> subprocess.Popen:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                return process
        time.sleep(0.02)
    raise AssertionError("neither process ended: both are running")


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL


def test_two_trains_released_together_one_runs_a_resume_meanwhile_exits_2_then_resumes(
    tmp_path, capsys
):
    """Two `learnlab train`s onto one --run-dir, released at the same moment: one trains, the
    other exits 2 naming it; `--resume` while it trains exits 2; once it is SIGKILLed, the
    run resumes at once and finishes."""
    run_dir, barrier = tmp_path / "run", tmp_path / "go"
    argv = ["train", *TINY, "--epochs", "200", "--run-dir", str(run_dir)]
    both = [start([*argv, "--set", "checkpoint_every_batches=1"], barrier) for _ in range(2)]
    try:
        for process in both:
            assert process.stdout.readline().strip() == "ready"
        barrier.touch()
        refused = first_to_end(both)
        winner = next(p for p in both if p is not refused)
        err = refused.communicate(timeout=60)[1]
        assert refused.returncode == 2, err
        assert f"run directory {run_dir} is in use: held by process {winner.pid} on host" in err
        assert "choose another --run-dir" in err and "Traceback" not in err
        wait_for(run_dir / "checkpoint.safetensors", winner)
        assert main(["train", "--resume", str(run_dir)]) == 2
        err = capsys.readouterr().err
        assert f"held by process {winner.pid} on host" in err
        assert f"learnlab train --resume {run_dir} again" in err  # what to do
        assert winner.poll() is None  # still training, undisturbed
    finally:
        for process in both:
            process.kill()
            process.communicate(timeout=60)
    assert (run_dir / CLAIM_FILE).exists()  # the killed process's: stale, taken over at once
    assert main(["train", "--resume", str(run_dir), "--epochs", "1"]) == 0
    assert capsys.readouterr().out.strip() == str(run_dir)
    assert json.loads((run_dir / "summary.json").read_text())["status"] == "completed"
    assert not (run_dir / CLAIM_FILE).exists()
    assert main(["runs"]) == 0  # the index and its listing read the resumed run
    assert run_dir.name in capsys.readouterr().out


SLOW_SEARCH = """
[search]
objective = "synthetic:branin"
sampler = "random"
trials = 2
heartbeat_seconds = 1
grace_seconds = 1
[search.objective_options]
steps = 5
seconds_per_step = 0.3
[search.space]
x1 = { type = "float", low = -5, high = 10 }
x2 = { type = "float", low = 0, high = 15 }
"""


def heartbeats(database: Path) -> int:
    """Heartbeats recorded: a running trial has one once its parameters are drawn (a trial
    killed before has none, and a search would wait a minute before running it again)."""
    if not database.exists():
        return 0
    connection = sqlite3.connect(database, timeout=10)
    try:
        return connection.execute("SELECT COUNT(*) FROM trial_heartbeats").fetchone()[0]
    except sqlite3.OperationalError:  # no tables yet
        return 0
    finally:
        connection.close()


def test_a_search_directory_refuses_another_study_and_resumes_at_once_after_sigkill(
    tmp_path, capsys
):
    config, search_dir = tmp_path / "slow.toml", tmp_path / "search"
    config.write_text(SLOW_SEARCH)
    argv = ["search", "--config", str(config), "--search-dir", str(search_dir), "--no-report"]
    worker = start(argv)
    try:
        wait_for(search_dir / "study.db", worker)
        assert main([*argv, "--study", "other"]) == 2
        err = capsys.readouterr().err
        assert f"search directory {search_dir} is in use for study 'slow' in sqlite:" in err
        assert f"held by process {worker.pid}" in err and "--search-dir" in err
        deadline = time.monotonic() + 120
        while heartbeats(search_dir / "study.db") == 0 and time.monotonic() < deadline:
            assert worker.poll() is None
            time.sleep(0.02)
    finally:
        kill(worker)
    assert (search_dir / CLAIM_FILE).exists()
    assert main(argv) == 0  # the killed study's own command, at once: it finishes the study
    assert capsys.readouterr().out.strip() == str(search_dir)
    assert not (search_dir / CLAIM_FILE).exists()


def test_the_page_of_several_reproductions_has_one_writer_and_is_free_after_sigkill(
    tmp_path, data_root, capsys
):
    page = tmp_path / "page.md"
    quick = ["--quick", "--set", f"data_root={json.dumps(str(data_root))}"]
    writer = start(["reproduce", "teacher-student-width", "saddles", *quick, "--page", str(page)])
    try:
        wait_for(page.parent / ".page.md.lock", writer)
        refused = ["reproduce", "saddles", "fgsm", "--quick", "--page", str(page)]
        assert main(refused) == 2
        err = capsys.readouterr().err
        assert f"the page {page} is in use: held by process {writer.pid}" in err
        assert writer.poll() is None
    finally:
        kill(writer)
    assert not page.exists()
    run_dir = tmp_path / "run"
    tiny = ["--set", "train_size=100", "--set", "progress=false"]
    assert (
        main(["reproduce", "teacher-student-width", *quick, *tiny, "--run-dir", str(run_dir)]) == 0
    )
    assert main(["reproduce", "--from", str(run_dir), "--page", str(page)]) == 0
    assert "teacher-student-width" in page.read_text()
    assert not (page.parent / ".page.md.lock").exists()


def test_a_recipe_run_directory_held_by_another_claim_is_refused_fresh_or_resumed(tmp_path, capsys):
    run_dir = tmp_path / "run"
    recipe = ["run", "gcn-karate", "--set", "karate_steps=20"]
    with claim_run_dir(run_dir, fresh=True):  # as another process's run would hold it
        assert main([*recipe, "--run-dir", str(run_dir)]) == 2
        assert f"held by process {os.getpid()} on host" in capsys.readouterr().err
        assert main(["run", "gcn-karate", "--resume", str(run_dir)]) == 2
        assert "learnlab run gcn-karate --resume" in capsys.readouterr().err
    assert not run_dir.exists()  # nothing was written: the claim's directory is gone
