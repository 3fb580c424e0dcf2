"""The SQLite run index: concurrent writers lose nothing, rows carry summary and config, a run
recorded twice keeps one row, an old index.jsonl is imported once, reading creates nothing."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from learnlab import runs
from learnlab.io.errors import DataError
from learnlab.runs.index import BUSY_TIMEOUT_SECONDS, INDEX_DB, SCHEMA_VERSION, RunIndex

WRITER = textwrap.dedent(
    """
    import sys
    from learnlab.runs.index import RunIndex

    root, worker, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    index = RunIndex(root)
    sys.stdin.readline()  # start together: wait for the go signal
    for i in range(count):
        index.record(f"{root}/w{worker}-run{i:03d}", {"kind": "stress", "seed": i})
    """
)


def test_four_processes_recording_100_runs_each_lose_nothing(tmp_path):
    root = tmp_path / "runs"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(root), str(w), "100"],
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(4)
    ]
    for p in processes:  # the database does not exist yet: the writers also race to create it
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in processes:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    entries = RunIndex(root).entries()
    assert len(entries) == 400
    assert {e["name"] for e in entries} == {
        f"w{w}-run{i:03d}" for w in range(4) for i in range(100)
    }
    with sqlite3.connect(root / INDEX_DB) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert BUSY_TIMEOUT_SECONDS >= 10


def _fake_run(path: Path, accuracy: float, lr: float) -> Path:
    path.mkdir(parents=True)
    runs.write_json(path / runs.CONFIG_FILE, {"dataset": "digits", "model": "mlp", "lr": lr})
    runs.write_json(
        path / runs.SUMMARY_FILE,
        {"status": "completed", "test_accuracy": accuracy, "test_loss": 0.5, "seed": 3},
    )
    return path


def test_a_row_holds_columns_summary_and_config(tmp_path):
    index = RunIndex(tmp_path / "runs")
    run = _fake_run(tmp_path / "runs" / "20261124-000000-digits-mlp", 0.9, 0.01)
    index.record(run, {"kind": "train", "note": "kept"})
    (entry,) = index.entries()
    assert entry["run_dir"] == str(run.resolve()) and entry["name"] == run.name
    assert (entry["kind"], entry["dataset"], entry["model"], entry["status"]) == (
        "train",
        "digits",
        "mlp",
        "completed",
    )
    assert entry["test_accuracy"] == 0.9 and entry["seed"] == 3 and entry["note"] == "kept"
    assert entry["config"]["lr"] == 0.01 and entry["summary"]["test_loss"] == 0.5
    assert entry["created"] <= entry["finished"]


def test_recording_a_run_again_replaces_its_row(tmp_path):
    index = RunIndex(tmp_path / "runs")
    run = _fake_run(tmp_path / "r", 0.5, 0.1)
    index.record(run, {"kind": "train"})
    runs.write_json(run / runs.SUMMARY_FILE, {"status": "completed", "test_accuracy": 0.75})
    index.record(run, {"kind": "train"})
    (entry,) = index.entries()
    assert entry["test_accuracy"] == 0.75


def test_reading_a_missing_index_creates_nothing(tmp_path):
    assert RunIndex(tmp_path / "runs").entries() == []
    assert not (tmp_path / "runs").exists()


def test_an_old_jsonl_index_is_imported_once(tmp_path):
    root = tmp_path / "runs"
    root.mkdir()
    old = [
        {"run_dir": str(tmp_path / "a"), "finished": 100.0, "kind": "train", "test_accuracy": 0.8},
        {"run_dir": str(tmp_path / "b"), "finished": 200.0, "kind": "quickstart"},
    ]
    lines = [json.dumps(e) for e in old] + ['{"run_dir": "cut by a cra']
    (root / "index.jsonl").write_text("\n".join(lines) + "\n")
    index = RunIndex(root)
    assert [(e["name"], e["finished"], e["kind"]) for e in index.entries()] == [
        ("a", 100.0, "train"),
        ("b", 200.0, "quickstart"),
    ]
    index.record(tmp_path / "c", {"kind": "train"})
    assert [e["name"] for e in index.entries()] == ["a", "b", "c"]  # not imported twice


def test_a_newer_schema_is_refused_with_a_clear_message(tmp_path):
    root = tmp_path / "runs"
    root.mkdir()
    with sqlite3.connect(root / INDEX_DB) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(DataError, match="schema"):
        RunIndex(root).entries()


def test_runs_module_functions_use_the_sqlite_index(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    path = runs.append_to_index(_fake_run(tmp_path / "x", 0.6, 0.1), {"kind": "train"})
    assert path == tmp_path / "runs" / INDEX_DB
    assert [e["test_accuracy"] for e in runs.read_index()] == [0.6]
