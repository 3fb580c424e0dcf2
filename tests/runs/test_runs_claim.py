"""learnlab.runs.claim: one writer per run directory. Two claims in one process (two file
descriptions) exclude each other; the holder's PID, host and start are recorded and named to
the one refused; a lock file left by a SIGKILLed process is taken over at once; a fresh run's
check for files comes after the claim and ignores the lock file; a search directory is shared
by the workers of one study only."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from learnlab.io.errors import ConfigError
from learnlab.runs.claim import (
    ClaimRefused,
    claim_new_run_dir,
    claim_page,
    claim_run_dir,
    claim_search_dir,
    read_holder,
)
from learnlab.runs.directory import CLAIM_FILE, choose_run_dir, holds_files


def test_two_claims_in_one_process_exclude_each_other_and_name_the_holder(tmp_path):
    run_dir = tmp_path / "run"
    first = claim_run_dir(run_dir, fresh=True)
    with first:
        holder = read_holder(run_dir / CLAIM_FILE)
        assert (holder.pid, holder.host) == (os.getpid(), socket.gethostname())
        assert abs(holder.since - time.time()) < 60
        assert first.holder == holder
        with pytest.raises(ClaimRefused) as refused:
            claim_run_dir(run_dir, fresh=False).acquire()
        message = str(refused.value)
        assert f"process {os.getpid()} on host {socket.gethostname()}, since " in message
        assert f"--resume {run_dir}" in message  # what to do
        with pytest.raises(ClaimRefused, match="choose another --run-dir"):
            claim_run_dir(run_dir, fresh=True).acquire()
        (run_dir / "config.json").write_text("{}")
    assert not (run_dir / CLAIM_FILE).exists()  # a clean release leaves only the run's files
    with claim_run_dir(run_dir, fresh=False) as again:
        assert again.held


def test_a_lock_file_left_by_a_killed_process_is_taken_over_at_once(tmp_path):
    run_dir = tmp_path / "run"
    script = (
        "import os, signal, sys\n"
        "from learnlab.runs.claim import claim_run_dir\n"
        "claim_run_dir(sys.argv[1], fresh=True).acquire()\n"
        "open(os.path.join(sys.argv[1], 'config.json'), 'w').write('{}')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    killed = subprocess.run([sys.executable, "-c", script, str(run_dir)], timeout=60)
    assert killed.returncode == -9
    assert read_holder(run_dir / CLAIM_FILE).pid not in (None, os.getpid())  # stale record
    with claim_run_dir(run_dir, fresh=False) as claim:
        assert read_holder(run_dir / CLAIM_FILE).pid == os.getpid() == claim.holder.pid


def test_a_fresh_claim_checks_for_files_after_claiming_and_ignores_its_lock_file(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / CLAIM_FILE).write_text("")  # left by a killed run before it wrote anything
    assert not holds_files(run_dir)
    assert choose_run_dir("x", run_dir) == run_dir
    with claim_run_dir(run_dir, fresh=True):
        pass
    assert run_dir.is_dir()  # it existed before: kept
    (run_dir / "metrics.jsonl").write_text("")
    with pytest.raises(ConfigError, match="already holds files"):
        claim_run_dir(run_dir, fresh=True).acquire()
    assert not (run_dir / CLAIM_FILE).exists()  # refused after claiming: released again
    created = tmp_path / "new" / "run"
    with claim_run_dir(created, fresh=True):
        assert created.is_dir()
    assert not created.exists()  # the run wrote nothing: nothing is left behind


def test_resuming_a_missing_directory_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no such run directory"):
        claim_run_dir(tmp_path / "missing", fresh=False).acquire()


def test_a_search_directory_is_shared_by_one_study_and_refused_to_another(tmp_path):
    first = claim_search_dir(tmp_path, "study 'a' in sqlite:///x.db").acquire()
    second = claim_search_dir(tmp_path, "study 'a' in sqlite:///x.db").acquire()
    with pytest.raises(ClaimRefused) as refused:
        claim_search_dir(tmp_path, "study 'b' in sqlite:///x.db").acquire()
    assert f"for study 'a' in sqlite:///x.db: held by process {os.getpid()}" in str(refused.value)
    first.release()  # the study's other worker still holds it
    with pytest.raises(ClaimRefused):
        claim_search_dir(tmp_path, "study 'b' in sqlite:///x.db").acquire()
    second.release()
    assert not (tmp_path / CLAIM_FILE).exists()
    with claim_search_dir(tmp_path, "study 'b' in sqlite:///x.db"):
        pass


def test_a_page_is_claimed_by_a_lock_file_beside_it(tmp_path):
    page = tmp_path / "docs" / "reproductions.md"
    with claim_page(page):
        assert (page.parent / ".reproductions.md.lock").is_file()
        with pytest.raises(ClaimRefused, match="another --page"):
            claim_page(page).acquire()
    assert list(page.parent.iterdir()) == []


def test_a_new_run_dir_is_claimed_by_one_run_and_a_held_one_names_its_holder(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    with claim_new_run_dir("digits-mlp") as first, claim_new_run_dir("digits-mlp") as second:
        assert first.run_dir != second.run_dir  # started in the same second: two directories
        (first.run_dir / "config.json").write_text("{}")
        with pytest.raises(ClaimRefused, match=f"held by process {os.getpid()}"):
            claim_new_run_dir("digits-mlp", first.run_dir)  # in use, not "holds files"
    with pytest.raises(ConfigError, match="already holds files"):
        claim_new_run_dir("digits-mlp", first.run_dir)
    assert not second.run_dir.exists()
