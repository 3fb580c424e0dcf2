"""Workers of one search on an SQLite file take each queued trial (a grid point) once: the
step WAITING -> RUNNING holds a lock between processes (`learnlab.search.study`), since SQLite
cannot lock the row. Without it, two workers asking at once could both take the same trial and
the second's tell failed ("Cannot tell a COMPLETE trial"), as a grid search with two workers
once did under load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import optuna

from learnlab.search.study import open_storage

SRC = Path(__file__).resolve().parents[2] / "src"
QUEUED = 150

# asks until the queue is empty (a new trial, numbered past the queued ones); prints the
# numbers of the queued trials it took
WORKER = """
import json, sys
import optuna
from learnlab.search.study import open_storage

optuna.logging.set_verbosity(optuna.logging.ERROR)
storage = open_storage(sys.argv[1], heartbeat_seconds=60, grace_seconds=None)
study = optuna.load_study(study_name="queue", storage=storage)
taken = []
while True:
    trial = study.ask()
    if trial.number >= int(sys.argv[2]):
        break
    taken.append(trial.number)
print(json.dumps(taken))
"""


def test_two_workers_never_take_the_same_queued_trial(tmp_path):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    storage = open_storage(url, heartbeat_seconds=60, grace_seconds=None)
    study = optuna.create_study(study_name="queue", storage=storage)
    for i in range(QUEUED):
        study.enqueue_trial({"x": i})
    path = os.pathsep.join([str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])])
    env = {**os.environ, "PYTHONPATH": path}
    command = [sys.executable, "-c", WORKER, url, str(QUEUED)]
    workers = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)]
    workers.append(subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True))
    taken = []
    for worker in workers:
        out, _ = worker.communicate(timeout=120)
        assert worker.returncode == 0
        taken.append(json.loads(out))
    both = taken[0] + taken[1]
    assert sorted(both) == list(range(QUEUED))  # every queued trial taken, none twice
