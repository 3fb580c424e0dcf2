"""What `learnlab reproduce NAME ... | --all` keeps from an interrupted run of the same command.

A batch is one set of reproductions with one configuration: the NAMEs in order, --quick or
not, and the --set overrides each gets. Its state is a small JSON file in the runs folder,
`reproduce-batches/<key>.json` (the key hashes those three), naming the run directory of each
reproduction it started; it is written before each one starts, so a batch that was stopped
(Ctrl-C, SIGKILL, a crash of the machine) knows its run directories. The same command run
again finds the file and decides per reproduction (`Step`):

- "kept": its run directory holds a finished run (summary.json and result.json, written
  last) whose config.json is the configuration that would run now (settings of execution such
  as data_root and progress aside: the recipe's defaults may have changed since). Its result
  goes on the page as it is; one killed after its summary but before its index entry is
  recorded in the run index then (`index_kept`).
- "resume": the run started (its config.json is there and matches) but did not finish: it
  continues with `learnlab reproduce NAME --resume RUN_DIR`, which keeps its finished parts
  (e.g. seeds).
- "new": anything else; it runs in a new run directory (an old one is left as it was).

The file is removed when every reproduction of the batch has succeeded, so the next run of
the command measures again; after a failure it stays, and the command retries only what did
not finish. --fresh ignores it and starts every reproduction again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from learnlab.io.atomic import atomic_write_text
from learnlab.recipes.reproduction_plan import comparable

BATCHES_FOLDER = "reproduce-batches"


@dataclass(frozen=True)
class Step:
    """What happens to one reproduction of the batch: "kept", "resume" or "new"; `run_dir` is
    the one kept or resumed (None for a new one, whose directory is chosen at its start)."""

    name: str
    action: str
    run_dir: Path | None = None


def batch_key(names: Sequence[str], quick: bool, settings: Mapping[str, Sequence[str]]) -> str:
    """The hash that names a batch: the reproductions in order, --quick, each one's --set."""
    text = json.dumps([list(names), quick, [list(settings[n]) for n in names]])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class BatchState:
    """The state file of a batch: reproduction name -> the run directory it started."""

    def __init__(self, root: Path, key: str) -> None:
        self.path = Path(root) / BATCHES_FOLDER / f"{key}.json"
        self.logs = Path(root) / BATCHES_FOLDER / key

    def run_dirs(self) -> dict[str, Path]:
        """The run directories recorded (none when there is no state or it is damaged: then
        every reproduction runs again, which is always safe)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        runs = data.get("runs") if isinstance(data, dict) else None
        if not isinstance(runs, dict):
            return {}
        return {str(k): Path(v) for k, v in runs.items() if isinstance(v, str)}

    def record(self, name: str, run_dir: Path) -> None:
        runs = {k: str(v) for k, v in self.run_dirs().items()}
        runs[name] = str(run_dir)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path, json.dumps({"runs": runs}, indent=2) + "\n")

    def forget(self) -> None:
        self.path.unlink(missing_ok=True)


def _saved_config(run_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def step_for(name: str, run_dir: Path | None, config: Mapping[str, Any]) -> Step:
    """Keep, resume or start again reproduction `name`, whose earlier run directory in this
    batch is `run_dir` (None: none), to run with `config` (see the module's docstring)."""
    from learnlab.runs.result_files import is_finished

    if run_dir is None or not run_dir.is_dir():
        return Step(name, "new")
    saved = _saved_config(run_dir)
    if saved is None or comparable(saved) != comparable(config):
        return Step(name, "new")
    return Step(name, "kept" if is_finished(run_dir) else "resume", run_dir)


def plan_steps(
    state: BatchState | None, configs: Mapping[str, Mapping[str, Any]]
) -> dict[str, Step]:
    """The Step of each reproduction of `configs` (name -> the config that will run); with no
    state (a fresh batch) every one is new."""
    earlier = state.run_dirs() if state is not None else {}
    return {name: step_for(name, earlier.get(name), c) for name, c in configs.items()}


def index_kept(run_dir: Path) -> None:
    """Record a kept run in the run index if it is not there (a run killed between writing
    its summary and its index entry), as its publication would have."""
    from learnlab.runs.index import read_index

    here = str(run_dir.resolve())
    if not any(entry.get("run_dir") == here for entry in read_index()):
        index_again(run_dir)


def index_again(run_dir: Path, **extra: Any) -> None:
    """Record the finished run in `run_dir` in the run index as its publication did, with
    `extra` values (e.g. JOB_SECONDS) added."""
    from learnlab.runs.index import append_to_index
    from learnlab.runs.result_files import read_result

    result = read_result(run_dir)
    append_to_index(run_dir, {"kind": result.kind, **result.index, **extra})
