"""Several workers on one study, in real processes: two workers on one SQLite file (and on a
local PostgreSQL server when one can be started) lose and duplicate no trial; a worker killed
with SIGKILL leaves a trial that the heartbeat fails and a re-run runs again, and the resumed
study reaches the number of trials asked for; a grid interrupted by Ctrl-C, or shared by two
workers, runs every point once."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest

from learnlab.cli import main
from learnlab.search.runner import (
    ERROR_ATTR,
    counts_toward_target,
    fail_orphaned_trials,
    tally,
)

SLOW_BRANIN = """
[search]
objective = "synthetic:branin"
sampler = "random"
trials = TRIALS
heartbeat_seconds = 1
grace_seconds = 2
[search.objective_options]
seconds_per_step = SECONDS
[search.space]
x1 = { type = "float", low = -5, high = 10 }
x2 = { type = "float", low = 0, high = 15 }
"""


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))


def search_file(tmp_path: Path, trials: int, seconds: float) -> Path:
    path = tmp_path / "slow.toml"
    text = SLOW_BRANIN.replace("TRIALS", str(trials)).replace("SECONDS", str(seconds))
    path.write_text(text)
    return path


def worker(config: Path, search_dir: Path, *flags: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "learnlab", "search", "--config", str(config)]
    command += ["--search-dir", str(search_dir), "--no-report", *flags]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_delivered,
    )


def sigint_delivered() -> None:
    """Run in the child before it starts: a shell that starts a job in the background makes it
    ignore SIGINT, and its children inherit that (Python then never raises KeyboardInterrupt);
    the default action lets Python install its handler, as in a terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def finish(process: subprocess.Popen) -> str:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return out


def sqlite_study(search_dir: Path) -> optuna.Study:
    storage = f"sqlite:///{search_dir / 'study.db'}"
    return optuna.load_study(study_name="slow", storage=storage)


def trial_states(database: Path, n_params: int = 2) -> list[str]:
    """The trials' states, read with plain SQL: opening the study through Optuna while the
    worker creates its tables would race it (Optuna creates missing tables on opening). A
    running trial reads "RUNNING+" once its first heartbeat is recorded and its parameters
    drawn (before that, Optuna cannot tell it died, and there is nothing to run again)."""
    if not database.exists():
        return []
    connection = sqlite3.connect(database, timeout=10)
    query = (
        "SELECT trials.state, "
        "(SELECT COUNT(*) FROM trial_heartbeats h WHERE h.trial_id = trials.trial_id), "
        "(SELECT COUNT(*) FROM trial_params p WHERE p.trial_id = trials.trial_id) "
        "FROM trials ORDER BY trials.number"
    )
    try:
        rows = connection.execute(query).fetchall()
    except sqlite3.OperationalError:  # no tables yet
        return []
    finally:
        connection.close()
    return [state + ("+" if beats and params == n_params else "") for state, beats, params in rows]


def check_no_trial_lost(study: optuna.Study, expected: int) -> None:
    trials = study.get_trials()
    counted = [t for t in trials if counts_toward_target(t)]
    assert len(counted) == expected
    assert all(t.state.name == "COMPLETE" for t in counted)
    # nothing left running or queued; anything else is a surplus trial that never ran
    others = [t for t in trials if not counts_toward_target(t)]
    assert all(t.state.name == "FAIL" and t.user_attrs.get("surplus") for t in others)
    numbers = [t.number for t in trials]
    assert numbers == list(range(len(trials)))  # distinct, none missing
    points = [(t.params["x1"], t.params["x2"]) for t in counted]
    assert len(set(points)) == expected  # no configuration drawn twice
    assert len({t.user_attrs["worker"] for t in counted}) == 2  # both workers took part


def test_two_workers_on_one_sqlite_study_lose_no_trial(tmp_path):
    config = search_file(tmp_path, trials=12, seconds=0.4)
    search_dir = tmp_path / "two"
    first, second = worker(config, search_dir), worker(config, search_dir)
    assert finish(first).strip().splitlines()[-1] == str(search_dir)
    finish(second)
    check_no_trial_lost(sqlite_study(search_dir), 12)


def test_a_killed_worker_trial_fails_by_heartbeat_and_the_study_resumes(tmp_path):
    config = search_file(tmp_path, trials=7, seconds=0.5)
    search_dir = tmp_path / "killed"
    process = worker(config, search_dir)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # kill it in its third trial
        assert process.poll() is None, process.communicate()[1]
        states = trial_states(search_dir / "study.db")
        # (a trial killed before its first heartbeat is failed only after a minute as an
        # orphan, see runner.py)
        if states.count("COMPLETE+") >= 2 and states.count("RUNNING+") == 1:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    study = sqlite_study(search_dir)
    before = {t.number: t for t in study.get_trials()}
    killed = [n for n, t in before.items() if t.state.name == "RUNNING"]
    done = {n: t.value for n, t in before.items() if t.state.name == "COMPLETE"}
    assert len(killed) == 1 and len(done) >= 2

    assert main(["search", "--config", str(config), "--search-dir", str(search_dir)]) == 0
    after = {t.number: t for t in sqlite_study(search_dir).get_trials()}
    assert {n: after[n].value for n in done} == done  # earlier results kept
    dead = after[killed[0]]
    assert dead.state.name == "FAIL" and ERROR_ATTR not in dead.user_attrs
    reruns = [t for t in after.values() if t.system_attrs.get("failed_trial") == killed[0]]
    assert len(reruns) == 1 and reruns[0].state.name == "COMPLETE"
    assert reruns[0].params == before[killed[0]].params  # the same configuration, run again
    assert sum(counts_toward_target(t) for t in after.values()) == 7
    assert (search_dir / "search.html").is_file()


GRID_CURVE = """
[search]
objective = "synthetic:curve"
sampler = "grid"
trials = 4
heartbeat_seconds = 1
[search.objective_options]
steps = 4
seconds_per_step = 0.25
[search.space]
lr = { type = "categorical", choices = [0.001, 0.01, 0.1, 1] }
"""


def test_a_grid_interrupted_by_ctrl_c_runs_every_point_once_when_resumed(tmp_path):
    """The reviewer's repro: SIGINT during trial 1 of a grid over four learning rates, then
    the same command again. (With Optuna's GridSampler, lr=1 was never run and another point
    ran twice: it counted the interrupted FAIL trial's point as visited.)"""
    config = tmp_path / "grid.toml"
    config.write_text(GRID_CURVE)
    search_dir = tmp_path / "grid"
    process = worker(config, search_dir)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # interrupt it in the middle of its second trial
        assert process.poll() is None, process.communicate()[1]
        if trial_states(search_dir / "study.db", n_params=1) == ["COMPLETE+", "RUNNING+"]:
            break
        time.sleep(0.05)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "run the same command again" in err
    storage = f"sqlite:///{search_dir / 'study.db'}"
    before = optuna.load_study(study_name="grid", storage=storage).trials
    assert [t.state.name for t in before[:2]] == ["COMPLETE", "FAIL"]
    interrupted = before[1].params["lr"]

    assert finish(worker(config, search_dir))
    study = optuna.load_study(study_name="grid", storage=storage)
    counted = [t for t in study.trials if counts_toward_target(t)]
    assert sorted(t.params["lr"] for t in counted) == [0.001, 0.01, 0.1, 1]  # each once
    assert all(t.state.name == "COMPLETE" for t in counted)
    assert interrupted in [t.params["lr"] for t in study.trials[2:] if t in counted]
    assert [t.state.name for t in study.trials].count("FAIL") == 1  # the interrupted trial


def test_two_workers_on_a_grid_run_every_point_once(tmp_path):
    config = tmp_path / "grid2.toml"
    config.write_text(
        '[search]\nobjective = "synthetic:quadratic"\nsampler = "grid"\ntrials = 100\n'
        "[search.objective_options]\nseconds_per_step = 0.3\n"
        '[search.space]\nx = { type = "int", low = 0, high = 4 }\n'
        'y = { type = "categorical", choices = [-1.5, 1] }\n'
    )
    search_dir = tmp_path / "two-grid"
    first, second = worker(config, search_dir), worker(config, search_dir)
    finish(first)
    finish(second)
    study = optuna.load_study(study_name="grid2", storage=f"sqlite:///{search_dir / 'study.db'}")
    counted = [t for t in study.trials if counts_toward_target(t)]
    points = sorted((t.params["x"], t.params["y"]) for t in counted)
    assert points == sorted((x, y) for x in range(5) for y in (-1.5, 1))  # each once
    assert all(t.state.name == "COMPLETE" for t in counted)
    others = [t for t in study.trials if not counts_toward_target(t)]
    # a race between the workers costs a trial that ends at once, never a second evaluation
    assert all(t.state.name == "FAIL" and t.user_attrs.get("surplus") for t in others)
    assert len({t.user_attrs["worker"] for t in counted}) == 2


def test_tally_counts_what_the_target_counts(tmp_path):
    storage = f"sqlite:///{tmp_path / 't.db'}"
    study = optuna.create_study(storage=storage)
    dist = {"x": optuna.distributions.FloatDistribution(0, 1)}
    S = optuna.trial.TrialState

    def add(state, value=None, attrs=None):
        study.add_trial(
            optuna.create_trial(
                state=state,
                value=value,
                params={"x": 0.5},
                distributions=dist,
                user_attrs=attrs or {},
            )
        )

    add(S.COMPLETE, 1.0)
    add(S.PRUNED)
    add(S.FAIL, attrs={ERROR_ATTR: "loss became NaN"})  # an outcome: counted
    add(S.FAIL)  # its worker died: not counted (a copy is queued)
    add(S.FAIL, attrs={"surplus": True})  # never ran: not counted
    add(S.WAITING)
    t = tally(study)
    assert (t.finished, t.running, t.waiting, t.total, t.places) == (3, 0, 1, 6, 4)


def test_a_trial_that_never_reached_its_objective_is_failed_after_a_while(tmp_path):
    storage = f"sqlite:///{tmp_path / 'o.db'}"
    study = optuna.create_study(storage=storage)
    dist = {"x": optuna.distributions.FloatDistribution(0, 1)}
    for attrs in ({}, {"worker": "host:1"}):  # an orphan, and a trial of a live worker
        study.add_trial(
            optuna.create_trial(
                state=optuna.trial.TrialState.RUNNING,
                params={"x": 0.5},
                distributions=dist,
                user_attrs=attrs,
            )
        )
    assert all(t.datetime_start is not None for t in study.trials)
    assert fail_orphaned_trials(study, older_than_seconds=1e9) == []  # not old enough yet
    assert fail_orphaned_trials(study, older_than_seconds=-1) == [0]
    assert [t.state.name for t in study.trials] == ["FAIL", "RUNNING"]


# -- PostgreSQL -------------------------------------------------------------------------------


def postgres_bin() -> Path | None:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found and shutil.which("pg_ctl") else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL server on a free port, trust authentication, data in /tmp."""
    psycopg2 = pytest.importorskip("psycopg2", reason="psycopg2 is not installed")
    binaries = postgres_bin()
    if binaries is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl): install postgresql")
    as_user: list[str] = []
    owner = None
    if os.geteuid() == 0:  # initdb refuses to run as root: run the server as postgres
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root, and there is no 'postgres' user to run the server")
        if shutil.which("runuser") is None:
            pytest.skip("running as root, and there is no runuser to run the server as postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    root = Path(tempfile.mkdtemp(prefix="learnlab-pg-"))
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    if owner is not None:
        for path in (root, sockets):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    port = free_port()

    def pg(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(as_user + list(args), capture_output=True, text=True, timeout=120)

    started = False
    try:
        made = pg(str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-N")
        if made.returncode != 0:
            pytest.skip(f"initdb could not create a database cluster: {made.stderr.strip()}")
        options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
        start = pg(
            str(binaries / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(root / "log"),
            "-w",
            "-o",
            options,
            "start",
        )
        if start.returncode != 0:
            log = (root / "log").read_text() if (root / "log").exists() else ""
            pytest.skip(f"the PostgreSQL server did not start: {start.stderr.strip()} {log}")
        started = True
        connection = psycopg2.connect(host="127.0.0.1", port=port, user="postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("CREATE DATABASE learnlab")
        connection.close()
        yield f"postgresql://postgres@127.0.0.1:{port}/learnlab"
    finally:
        if started:
            pg(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def test_two_workers_on_a_postgresql_study_lose_no_trial(tmp_path, postgres_url):
    config = search_file(tmp_path, trials=8, seconds=0.4)
    flags = ["--storage", postgres_url, "--study", "slow"]
    first = worker(config, tmp_path / "pg-a", *flags)
    second = worker(config, tmp_path / "pg-b", *flags)  # another machine's search directory
    finish(first)
    finish(second)
    # postgresql:// means psycopg 3 to SQLAlchemy 2.1; learnlab picks psycopg2 when that is
    # the driver installed, and so does this check
    storage = postgres_url.replace("postgresql://", "postgresql+psycopg2://")
    check_no_trial_lost(optuna.load_study(study_name="slow", storage=storage), 8)
