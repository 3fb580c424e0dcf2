"""`learnlab reproduce NAME NAME ... | --all` (issue 19, item 3): the plan with each
reproduction's expected time and the total for --jobs N, the schedule behind that total, a
batch killed after its first reproduction continuing with only the rest, --jobs 2 giving the
page of --jobs 1, a failed reproduction that does not stop the others (exit 1, the page says
why), and --jobs values that are refused (exit 2). The batches run the two quickest
reproductions with --quick, in a runs folder of their own."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from learnlab.cli import main
from learnlab.machine import usable_cores
from learnlab.recipes.reproduction_plan import (
    JOB_SECONDS,
    estimates,
    expected_total,
    filled_in,
    start_order,
)
from learnlab.runs.index import RunIndex
from learnlab.runs.result_files import is_finished

TWO = ["teacher-student-width", "interpolation"]
SRC = Path(__file__).resolve().parents[2] / "src"


def _argv(names: list[str], data_root, page: Path, *extra: str) -> list[str]:
    argv = ["reproduce", *names, "--quick", "--page", str(page), *extra]
    for assignment in (f"data_root={json.dumps(str(data_root))}", "download=false"):
        argv += ["--set", assignment]
    return argv + ["--set", "progress=false"]


def _tables(page: Path) -> list[str]:
    """The page's section titles and table rows: what the seeds determine (not the times)."""
    return [x for x in page.read_text().splitlines() if x.startswith(("## ", "|"))]


def _env(runs: Path) -> dict[str, str]:
    path = os.pathsep.join([str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])])
    return {**os.environ, "LEARNLAB_RUNS": str(runs), "PYTHONPATH": path}


def _children_of(runs: Path) -> list[str]:
    """The processes (Linux) whose command line names the runs folder `runs`."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(runs) in cmdline:
            found.append(cmdline)
    return found


def _batch_state(runs: Path) -> dict[str, Path]:
    states = list((runs / "reproduce-batches").glob("*.json"))
    if not states:
        return {}
    try:
        return {k: Path(v) for k, v in json.loads(states[0].read_text())["runs"].items()}
    except (OSError, ValueError, KeyError):
        return {}


@pytest.fixture(scope="module")
def killed_and_resumed(tmp_path_factory, data_root):
    """TWO with --jobs 1, SIGKILLed once the first finished, then the same command again:
    (runs folder, page, the first's summary mtime at the kill, the second command's stderr)."""
    base = tmp_path_factory.mktemp("resume")
    runs, page = base / "runs", base / "page.md"
    argv = [sys.executable, "-m", "learnlab", *_argv(TWO, data_root, page, "--jobs", "1")]
    process = subprocess.Popen(argv, env=_env(runs), stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    first = None
    while first is None or not is_finished(first):
        assert time.monotonic() < deadline and process.poll() is None, "the first never finished"
        time.sleep(0.1)
        first = _batch_state(runs).get(TWO[0])
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    killed_at = (first / "summary.json").stat().st_mtime
    time.sleep(1.0)  # the child of the second reproduction dies with its parent
    orphans = _children_of(runs) if sys.platform.startswith("linux") else []
    assert not page.exists() and TWO[1] not in [e["kind"] for e in RunIndex(runs).entries()]
    again = subprocess.run(argv, env=_env(runs), capture_output=True, text=True, timeout=180)
    assert again.returncode == 0, again.stderr
    return runs, page, first, killed_at, again.stderr, orphans


def test_a_killed_batch_keeps_the_finished_reproduction_and_runs_only_the_rest(
    killed_and_resumed,
):
    runs, page, first, killed_at, stderr, orphans = killed_and_resumed
    assert orphans == []  # no child outlived the SIGKILLed parent
    assert "kept: finished in" in stderr and "1 to run, 1 kept" in stderr
    assert f"started {TWO[0]}" not in stderr and f"started {TWO[1]}" in stderr
    assert (first / "summary.json").stat().st_mtime == killed_at  # not run again
    kinds = sorted(e["kind"] for e in RunIndex(runs).entries())
    assert kinds == sorted(TWO)  # each ran to its end once
    assert [x[3:] for x in _tables(page) if x.startswith("## ")] == TWO
    assert not list((runs / "reproduce-batches").glob("*.json"))  # done: the next run is fresh


def test_the_plan_lists_each_with_its_time_from_the_last_run(
    killed_and_resumed, monkeypatch, capsys
):
    runs, page, *_ = killed_and_resumed
    monkeypatch.setenv("LEARNLAB_RUNS", str(runs))
    monkeypatch.setenv("COLUMNS", "250")
    argv = _argv(TWO, Path("/no/data"), page, "--jobs", "2", "--plan")
    assert main(argv) == 0
    plan = capsys.readouterr().err
    for name in TWO:
        (row,) = [x for x in plan.splitlines() if f"│ {name} " in x]
        assert "│ run " in row and " on 1 thread" in row and "its last run, " in row
    # the one that ran as a job has its whole time; the one kept from the killed batch, the
    # recipe's own (the parent died before it could record the job's)
    assert "(as a job) on 1 thread" in plan and "(the recipe alone) on 1 thread" in plan
    assert "2 to run, 0 kept; --jobs 2 (torch threads: 1 each)" in plan
    assert "expected total " in plan and "expected total unknown" not in plan
    # a fresh runs folder knows no times: each is unknown, and so is the total
    monkeypatch.setenv("LEARNLAB_RUNS", str(runs.parent / "empty-runs"))
    assert main(argv) == 0
    plan = capsys.readouterr().err
    assert plan.count("unknown: no quick run of it in the run index") == 2
    assert "expected total unknown" in plan


# 10 s of one more batch; --jobs 2 runs in the default suite in the failure test below
@pytest.mark.slow
def test_jobs_2_writes_the_page_of_jobs_1(killed_and_resumed, data_root, tmp_path, capsys):
    runs, page, *_ = killed_and_resumed
    parallel = tmp_path / "parallel.md"
    argv = _argv(TWO, data_root, parallel, "--jobs", "2", "--fresh")
    done = subprocess.run(
        [sys.executable, "-m", "learnlab", *argv],
        env=_env(tmp_path / "runs"),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    assert _tables(parallel) == _tables(page) and len(_tables(page)) > 6


def test_a_failed_reproduction_does_not_stop_the_others(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    # no data anywhere: teacher-student-width draws its own; interpolation finds no MNIST
    monkeypatch.setenv("LEARNLAB_DATA", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    page = tmp_path / "page.md"
    assert main(_argv(TWO, tmp_path / "no-data", page, "--jobs", "2")) == 1
    err = capsys.readouterr().err
    assert f"FAILED {TWO[1]}" in err and f"finished {TWO[0]}" in err
    text = page.read_text()
    section = text.split(f"## {TWO[1]}")[1]
    assert "**Failed: no numbers.** exit " in section and f"{TWO[1]}.log" in section
    assert "| quantity |" in text.split(f"## {TWO[1]}")[0]  # the other one has its table
    # the batch is kept: the same command reruns only the failed one
    assert main(_argv(TWO, tmp_path / "no-data", page, "--plan")) == 0
    assert "1 to run, 1 kept" in capsys.readouterr().err


@pytest.mark.parametrize("jobs", ["0", "-1", str(usable_cores() + 1)])
def test_jobs_outside_1_to_the_cores_is_refused(jobs, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    assert main(["reproduce", *TWO, "--quick", "--jobs", jobs]) == 2
    err = capsys.readouterr().err
    assert f"--jobs {jobs}: give a whole number from 1 to {usable_cores()}" in err
    assert not (tmp_path / "runs").exists()


def test_the_cli_refuses_bad_jobs_with_exit_2_and_no_traceback(tmp_path):
    argv = [sys.executable, "-m", "learnlab", "reproduce", "--all", "--jobs", "0"]
    done = subprocess.run(argv, env=_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "--jobs 0: give a whole number from 1 to" in done.stderr
    single = [*argv[:4], TWO[0], "--jobs", "1", "--fresh"]
    done = subprocess.run(single, env=_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "go with several NAMEs or --all" in done.stderr


def test_the_expected_total_is_the_end_of_the_longest_first_schedule():
    seconds = {"a": 10.0, "b": 60.0, "c": 30.0, "d": 30.0}
    assert start_order(seconds) == ["b", "c", "d", "a"]
    durations = [seconds[n] for n in start_order(seconds)]
    assert expected_total(durations, 1) == 130.0
    assert expected_total(durations, 2) == 70.0  # b | c, d, a
    assert expected_total(durations, 4) == 60.0
    assert expected_total([], 2) == 0.0


def test_estimates_take_the_same_configuration_and_spread_cpu_time_over_fewer_threads():
    def entry(seconds, config, threads=2, cpu=None, quick=False):
        return {
            "kind": "r",
            "reproduction_seconds": seconds,
            "reproduction_cpu_seconds": cpu,
            "config": config,
            "summary": {"threads": threads},
            "quick": quick,
        }

    same, other = {"epochs": 5, "progress": True}, {"epochs": 9}
    entries = [entry(100.0, same, cpu=180.0), entry(500.0, other), entry(7.0, same, quick=True)]
    (alone,) = estimates(entries, {"r": {"epochs": 5, "progress": False}}, False, None)
    assert alone.seconds == 100.0 and alone.how.startswith("its last run, ")
    (one_thread,) = estimates(entries, {"r": same}, False, 1)
    assert one_thread.seconds == 180.0 and "180 s of CPU time on 1 now" in one_thread.how
    (changed,) = estimates(entries, {"r": {"epochs": 7}}, False, None)
    assert changed.seconds is None and "with these settings (2 with others)" in changed.how
    timed = [{**entries[0], JOB_SECONDS: 130.0}]  # 30 s of the process outside the recipe
    (job,) = estimates(timed, {"r": same}, False, 1)
    assert job.seconds == 210.0 and "130 s (as a job) on 2 threads" in job.how
    (unknown,) = estimates([], {"r": same}, False, None)
    assert unknown.seconds is None and unknown.how.startswith("unknown")
    found = [*estimates(entries, {"r": same}, False, None), dataclasses.replace(unknown, name="s")]
    assert filled_in(found) == {"r": 100.0, "s": 100.0}
