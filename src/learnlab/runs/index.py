"""The run index: one SQLite table of finished runs, safe to write from many processes at once.

The index is `index.sqlite` in the runs folder ($LEARNLAB_RUNS, else ./runs). Writers are
separate processes (parallel `learnlab train`s, a search's workers), so the database uses
SQLite's write-ahead log (readers never block the writer, and a crash mid-write leaves the
last committed state; Hipp et al., sqlite.org/wal.html) with a 30-second busy timeout: a
writer that finds the database locked waits for its turn instead of failing. Every write
is one `BEGIN IMMEDIATE` transaction, which takes the write lock at its start; a deferred
transaction that upgrades a read lock could instead fail at once with "database is locked",
without waiting.

One row per run directory (recording a run again, e.g. after `--resume`, replaces its row):
the columns people filter and sort by, plus the run's summary.json and config.json as JSON
text, so that any summary or configuration value can be compared later. `PRAGMA user_version`
holds the schema version. A runs folder from before the SQLite index has `index.jsonl`, one
JSON line per run: its lines are imported once, when the database is created.

Example:
    >>> index = RunIndex(Path(tempfile.mkdtemp()))  # doctest: +SKIP
    >>> index.record("runs/20261124-mnist-mlp", {"kind": "train"})  # doctest: +SKIP
    >>> [e["name"] for e in index.entries()]  # doctest: +SKIP
    ['20261124-mnist-mlp']
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import learnlab.runs.directory as runs
from learnlab.io.errors import DataError
from learnlab.runs.metric_names import with_current_names

INDEX_DB = "index.sqlite"
LEGACY_INDEX = "index.jsonl"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_SECONDS = 30.0

# Columns besides the JSON ones: what `learnlab runs` lists, filters and sorts by.
TEXT_COLUMNS = ("kind", "dataset", "model", "status")
NUMBER_COLUMNS = ("created", "finished", "test_accuracy", "test_loss", "train_seconds", "seed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    run_dir TEXT NOT NULL UNIQUE,   -- absolute path
    name TEXT NOT NULL,             -- the directory's name, what people type
    kind TEXT, dataset TEXT, model TEXT, status TEXT,
    created REAL,                   -- unix time config.json was written (the run's start)
    finished REAL NOT NULL,         -- unix time the run was recorded
    test_accuracy REAL, test_loss REAL, train_seconds REAL, seed INTEGER,
    summary TEXT NOT NULL,          -- summary.json (JSON object)
    config TEXT NOT NULL,           -- config.json (JSON object)
    extra TEXT NOT NULL             -- the rest of the caller's record (JSON object)
);
CREATE INDEX IF NOT EXISTS runs_by_finished ON runs (finished);
"""


def _read_json_object(path: Path) -> dict[str, Any]:
    """A JSON object file, or {} when it is absent or unreadable (the index must not fail a
    finished run because of a side file)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _finite_or_none(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


class RunIndex:
    """The run index of one runs folder; each call opens its own short connection."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.path = self.root / INDEX_DB

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # isolation_level=None: transactions are begun explicitly (BEGIN IMMEDIATE)
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        try:
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA journal_mode=WAL")
            self._ensure_schema(connection)
            yield connection
        finally:
            connection.close()

    def _ensure_schema(self, connection: sqlite3.Connection) -> None:
        if connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            return
        connection.execute("BEGIN IMMEDIATE")
        try:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:  # a new database (another process may have just made it)
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        connection.execute(statement)
                self._import_legacy(connection)
                connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            elif version != SCHEMA_VERSION:
                raise DataError(
                    f"{self.path} has run index schema {version}; this learnlab reads "
                    f"schema {SCHEMA_VERSION}. Upgrade learnlab, or move the file away to "
                    "start a new index (the run directories stay as they are)."
                )
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    def _import_legacy(self, connection: sqlite3.Connection) -> None:
        legacy = self.root / LEGACY_INDEX
        if not legacy.is_file():
            return
        for line in legacy.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by a crash
            if isinstance(entry, dict) and isinstance(entry.get("run_dir"), str):
                run_dir = Path(entry.pop("run_dir"))
                finished = _finite_or_none(entry.pop("finished", None)) or time.time()
                self._upsert(connection, run_dir, entry, finished)

    def _upsert(
        self, connection: sqlite3.Connection, run_dir: Path, record: dict[str, Any], finished
    ) -> None:
        summary = with_current_names(_read_json_object(run_dir / runs.SUMMARY_FILE))
        config = _read_json_object(run_dir / runs.CONFIG_FILE)
        merged = {**config, **summary, **record}  # the caller's record has the last word
        config_file = run_dir / runs.CONFIG_FILE
        created = record.get("created")
        if created is None and config_file.is_file():
            created = config_file.stat().st_mtime
        row: dict[str, Any] = {
            "run_dir": str(run_dir),
            "name": run_dir.name,
            **{c: None if merged.get(c) is None else str(merged[c]) for c in TEXT_COLUMNS},
            "created": _finite_or_none(created),
            "finished": finished,
            "test_accuracy": _finite_or_none(merged.get("test_accuracy")),
            "test_loss": _finite_or_none(merged.get("test_loss")),
            "train_seconds": _finite_or_none(merged.get("train_seconds")),
            "seed": merged.get("seed") if isinstance(merged.get("seed"), int) else None,
            "summary": json.dumps(summary),
            "config": json.dumps(config),
            "extra": json.dumps({k: v for k, v in record.items() if k not in _COLUMNS}),
        }
        names = ", ".join(row)
        marks = ", ".join(f":{k}" for k in row)
        updates = ", ".join(f"{k} = excluded.{k}" for k in row if k != "run_dir")
        connection.execute(
            f"INSERT INTO runs ({names}) VALUES ({marks}) "
            f"ON CONFLICT (run_dir) DO UPDATE SET {updates}",
            row,
        )

    def record(self, run_dir: str | Path, record: dict[str, Any] | None = None) -> Path:
        """Record a finished run (its summary.json and config.json are read from `run_dir`;
        `record` adds or overrides values: kind, dataset, model, test_accuracy, ...)."""
        self.root.mkdir(parents=True, exist_ok=True)
        run_dir = Path(run_dir).resolve()
        with self._connect() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                self._upsert(connection, run_dir, dict(record or {}), time.time())
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        return self.path

    def entries(self) -> list[dict[str, Any]]:
        """Every recorded run as a dict, oldest first: the columns, with `summary` and
        `config` parsed and the caller's extra values at the top level."""
        if not self.path.is_file() and not (self.root / LEGACY_INDEX).is_file():
            return []  # reading never creates an empty index
        with self._connect() as connection:
            rows = connection.execute("SELECT * FROM runs ORDER BY finished, id").fetchall()
        entries = []
        for row in rows:
            entry = {k: row[k] for k in row.keys() if k not in ("id", "extra")}  # noqa: SIM118
            # rows recorded before a metric was renamed answer to its current name too
            entry["summary"] = with_current_names(json.loads(row["summary"]))
            entry["config"] = json.loads(row["config"])
            entries.append({**json.loads(row["extra"]), **entry})
        return entries


_COLUMNS = {"run_dir", "name", "finished", "summary", "config", *TEXT_COLUMNS, *NUMBER_COLUMNS}


def append_to_index(run_dir: Path, record: dict[str, Any]) -> Path:
    """Record a finished run in the run index (`index.sqlite` in the runs folder): its
    summary.json and config.json, plus `record` (kind, dataset, model, ...). Safe from many
    processes at once. Returns the index's path."""
    return RunIndex(runs.runs_root()).record(run_dir, record)


def read_index() -> list[dict[str, Any]]:
    """Every run of the run index as a dict, oldest first (see `RunIndex.entries`)."""
    return RunIndex(runs.runs_root()).entries()
