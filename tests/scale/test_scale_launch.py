"""`learnlab train --nproc N`'s launch options: bad values are ConfigErrors (exit 2, no
traceback), an unreachable master ends within the timeout (exit 1), and the torchrun command
and the workers' arguments are those of the run asked for."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest

from learnlab.cli import main, make_parser
from learnlab.commands.train import worker_argv
from learnlab.scale.launch import LaunchPlan, failure_message, torchrun_args

TRAIN = ["train", "--dataset", "digits", "--model", "mlp", "--epochs", "1"]


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--nproc", "0"], "--nproc 0: give the number of processes"),
        (["--nproc", "-3"], "--nproc -3"),
        (["--nproc", "2", "--nnodes", "0"], "--nnodes 0"),
        (["--nnodes", "2", "--node-rank", "2"], "--node-rank 2: give a number from 0 to 1"),
        (["--nproc", "2", "--master-port", "70000"], "--master-port 70000"),
        (
            ["--nproc", "2", "--master-addr", "no-such-host.invalid", "--master-port", "2000"],
            "cannot resolve",
        ),
    ],
)
def test_bad_launch_options_exit_2_with_a_message(extra, says, capsys):
    assert main([*TRAIN, *extra]) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


def test_a_port_in_use_exits_2_naming_it(capsys):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        assert main([*TRAIN, "--nproc", "2", "--master-port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"--master-port {port} is in use" in err and "Traceback" not in err


@pytest.mark.slow  # torchrun retries the connection: about 10 s on a loaded machine
def test_an_unreachable_master_ends_within_the_timeout_with_exit_1(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as probe:
        closed = probe.getsockname()[1]  # free once closed: nobody listens there
    command = [*TRAIN, "--nnodes", "2", "--node-rank", "1", "--master-port", str(closed)]
    env = {**os.environ, "LEARNLAB_COLLECTIVE_TIMEOUT": "1", "LEARNLAB_RUNS": str(tmp_path)}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "learnlab", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "error: could not start the 2 processes" in done.stderr
    assert "Traceback (most recent call last)" not in done.stderr
    assert time.monotonic() - started < 90


def test_the_workers_get_the_run_s_arguments_and_torchrun_no_restarts():
    args = make_parser().parse_args(
        [*TRAIN, "--lr", "0.5", "--set", "limit_train=100", "--nproc", "2", "--run-dir", "r"]
    )
    argv = worker_argv(args)
    again = make_parser().parse_args(argv)
    for name in ("dataset", "model", "epochs", "lr", "assignments", "run_dir"):
        assert getattr(again, name) == getattr(args, name), name
    assert again.nproc is None  # the workers find theirs in torchrun's environment
    line = torchrun_args(LaunchPlan(nproc=2), argv, timeout_s=30)
    assert "--max-restarts=0" in line and "--nproc-per-node=2" in line
    assert line[line.index("-m") :] == ["-m", "learnlab", *argv]
    assert not any(a.startswith("--master-port") for a in line)  # torchrun picks a free one
    several = torchrun_args(LaunchPlan(2, nnodes=2, node_rank=1, master_port=2345), argv, 30)
    assert "--master-port=2345" in several and "--rdzv-conf=timeout=30" in several


def test_a_failure_names_the_rank_its_pid_and_signal():
    failures = {1: SimpleNamespace(exitcode=-9, pid=4321), 0: SimpleNamespace(exitcode=1, pid=7)}
    text = failure_message(failures, LaunchPlan(nproc=2))
    assert "rank 0 (pid 7) ended: exit code 1" in text
    assert "rank 1 (pid 4321) ended: killed by SIGKILL" in text
    assert "--resume RUN_DIR --nproc 2" in text


LAUNCH_DESTS = {"nproc", "nnodes", "node_rank", "master_addr", "master_port"}
NOT_FORWARDED = {"command", "command_module", "dry_run"}  # a dry run never launches


def test_every_train_option_but_the_launch_ones_reaches_the_workers():
    """worker_argv names the options it forwards: a new `learnlab train` option must join it,
    or the processes torchrun starts would silently run without it. Each option gets a
    value unlike its default and must come back through worker_argv unchanged."""
    parser = make_parser()
    values = {
        "dataset": "digits",
        "model": "mlp",
        "optimizer": "adam",
        "lr": 0.5,
        "epochs": 3,
        "batch_size": 7,
        "seed": 11,
        "threads": 1,
        "logger": "tensorboard",
        "resume": "old",
        "run_dir": "r",
        "config": "c.toml",
        "assignments": ["epochs=2"],
    }
    defaults = vars(parser.parse_args(["train"]))
    forwarded = set(defaults) - LAUNCH_DESTS - NOT_FORWARDED
    assert forwarded <= set(values), (
        f"a train option this test does not know: {forwarded - set(values)}"
    )
    again = vars(parser.parse_args(worker_argv(SimpleNamespace(**(defaults | values)))))
    for dest in forwarded:
        assert str(again[dest]) == str(values[dest]), dest
