"""Where a study lives: its storage (SQLite by default, any SQLAlchemy URL otherwise) and
creating or loading it, so that re-running a search resumes it and several workers share it.

Default storage: `study.db` in the search directory, an SQLite file. Several worker processes
on one machine may share it: the file is put in write-ahead-log mode (readers do not block the
writer) and every connection waits up to SQLITE_BUSY_SECONDS for a lock instead of failing.
Workers on several machines share a database server instead:
`--storage postgresql://user@host:5432/dbname` (psycopg2 installed: `pip install
learnlab[postgres]`).

Heartbeats: every running trial records a heartbeat every `heartbeat_seconds`; a trial not
heard of for `grace_seconds` (its worker was killed, its machine lost) is marked FAIL by the
next worker that looks, and a copy with the parameters it had drawn is queued (Optuna's
RetryHeartbeatStaleTrialCallback, up to MAX_RETRIES times), so the study goes on.

A study records what its trials mean (objective, metric, direction, space, base config:
`SearchSpec.definition`); loading it with a different definition is an error rather than a
silent mix of incomparable results.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import random
import sqlite3
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from learnlab.io.errors import ConfigError, DataError
from learnlab.search.pruners import build_pruner
from learnlab.search.samplers import build_sampler
from learnlab.search.spec import SearchSpec

if TYPE_CHECKING:
    import optuna

DEFAULT_DB = "study.db"
SQLITE_BUSY_SECONDS = 60.0
MAX_RETRIES = 3
DEFINITION_ATTR = "learnlab_definition"
INIT_ATTEMPTS = 5


def default_storage_url(search_dir: Path) -> str:
    return f"sqlite:///{(Path(search_dir) / DEFAULT_DB).resolve()}"


def display_url(url: str) -> str:
    """The URL with any password masked, for printing and reports."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def open_storage(
    url: str, *, heartbeat_seconds: int, grace_seconds: int | None
) -> optuna.storages.RDBStorage:
    """An RDBStorage for `url` with heartbeats; clear errors for bad URLs or servers."""
    import optuna
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"--storage {url!r} is not a database URL.\nExamples: sqlite:///path/to/study.db, "
            "postgresql://user@host:5432/dbname"
        ) from None
    if parsed.drivername == "postgresql":
        url = _with_installed_postgres_driver(parsed)
    sqlite_file = None
    if parsed.get_backend_name() == "sqlite":
        engine_kwargs: dict = {"connect_args": {"timeout": SQLITE_BUSY_SECONDS}}
        if parsed.database and parsed.database != ":memory:":
            sqlite_file = Path(parsed.database)
            sqlite_file.parent.mkdir(parents=True, exist_ok=True)
    else:
        engine_kwargs = {"pool_pre_ping": True}  # a server may drop idle connections

    def make() -> optuna.storages.RDBStorage:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            kind = optuna.storages.RDBStorage if sqlite_file is None else _sqlite_storage()
            extra = {} if sqlite_file is None else {"lock": _lock_path(sqlite_file)}
            return kind(
                url,
                **extra,
                engine_kwargs=engine_kwargs,
                heartbeat_interval=heartbeat_seconds,
                grace_period=grace_seconds,
                heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(
                    max_retry=MAX_RETRIES
                ),
            )

    try:
        if sqlite_file is not None:
            with _file_lock(_lock_path(sqlite_file)):
                _use_wal(sqlite_file)
                return make()
        return _with_retries(make)
    except ImportError:
        raise ConfigError(
            f"--storage {display_url(url)} needs a database driver that is not installed.\n"
            "For PostgreSQL: pip install 'learnlab[postgres]' (psycopg2-binary)."
        ) from None
    except (SQLAlchemyError, optuna.exceptions.StorageInternalError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(
            f"cannot open the study storage {display_url(url)}: {first}\n"
            "Check that the database server runs and the URL (user, host, port, database)."
        ) from None


def _with_installed_postgres_driver(parsed) -> str:
    """`postgresql://` names no driver, and SQLAlchemy 2.1 then means psycopg 3; take
    psycopg2 (learnlab[postgres]) when psycopg 3 is not installed."""
    import importlib.util

    if importlib.util.find_spec("psycopg") is None and importlib.util.find_spec("psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg2")
    return parsed.render_as_string(hide_password=False)


def _lock_path(sqlite_file: Path) -> Path:
    return sqlite_file.with_name(sqlite_file.name + ".lock")


@functools.cache
def _sqlite_storage() -> type:
    """RDBStorage on an SQLite file whose step WAITING -> RUNNING (how a worker takes a queued
    trial, e.g. a grid point) holds a lock between the processes of this machine. The check
    and the write are one transaction, but SQLite has no SELECT ... FOR UPDATE: two workers
    could both read a queued trial as WAITING and both run it (seen under load: the second's
    tell then failed with "Cannot tell a COMPLETE trial"). Servers (PostgreSQL) lock the row."""
    import optuna
    from optuna.trial import TrialState

    class LockedSQLiteStorage(optuna.storages.RDBStorage):
        def __init__(self, url: str, *, lock: Path, **kwargs) -> None:
            super().__init__(url, **kwargs)
            self.lock = lock

        def set_trial_state_values(self, trial_id: int, state, values=None) -> bool:
            if state != TrialState.RUNNING:
                return super().set_trial_state_values(trial_id, state, values)
            with _file_lock(self.lock):  # the state read inside is the last one written
                return super().set_trial_state_values(trial_id, state, values)

    return LockedSQLiteStorage


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock between processes on one machine: workers starting together on a
    new SQLite file would otherwise race to create the same tables."""
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _use_wal(path: Path) -> None:
    """Write-ahead logging: a reader never blocks the writer (the mode is kept in the file)."""
    connection = sqlite3.connect(path, timeout=SQLITE_BUSY_SECONDS)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()


def _with_retries(make):
    """Workers that start together on a new database race to create its tables; the losers
    see an error, wait a moment and find the tables there."""
    import optuna
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    for attempt in range(1, INIT_ATTEMPTS + 1):
        try:
            return make()
        except (SQLAlchemyError, optuna.exceptions.StorageInternalError) as exc:
            if attempt == INIT_ATTEMPTS or (
                isinstance(exc, OperationalError) and "connect" in str(exc).lower()
            ):
                raise  # a server that cannot be reached will not appear by retrying
            time.sleep(0.2 + random.random())
    raise AssertionError("unreachable")


def open_study(
    storage: optuna.storages.RDBStorage, spec: SearchSpec, study_name: str
) -> optuna.Study:
    """Create the study, or load it if it exists (resume, or another worker's), and check that
    it was made for the same objective, metric, direction, space and base config."""
    import optuna

    sampler = build_sampler(
        spec.settings.sampler,
        spec.space,
        seed=spec.settings.seed,
        options=spec.settings.sampler_options,
    )
    pruner = build_pruner(spec.settings.pruner, spec.settings.pruner_options)
    study = _with_retries(
        lambda: optuna.create_study(
            storage=storage,
            study_name=study_name,
            direction=spec.direction,
            sampler=sampler,
            pruner=pruner,
            load_if_exists=True,
        )
    )
    definition = json.loads(json.dumps(spec.definition()))
    stored = study.user_attrs.get(DEFINITION_ATTR)
    if stored is None:
        study.set_user_attr(DEFINITION_ATTR, definition)
    elif stored != definition:
        differing = sorted(
            k for k in definition.keys() | stored.keys() if definition.get(k) != stored.get(k)
        )
        raise ConfigError(
            f"study {study_name!r} was started with a different {', '.join(differing)}; its "
            "results would not be comparable with this search's.\nStart a new study with "
            "--study NEW_NAME (or a new --search-dir), or restore the search file it was "
            "started with."
        )
    if study.direction.name.lower() != spec.direction:
        raise ConfigError(
            f"study {study_name!r} {study.direction.name.lower()}s its objective, this search "
            f"would {spec.direction} it; start a new study with --study NEW_NAME."
        )
    return study
