"""Run directories and the run index.

A run directory holds everything one run produced:

    config.json            the resolved configuration
    metrics.jsonl          one line of metrics per finished epoch
    checkpoint.safetensors the resumable state (weights, optimizer, schedule, loader, RNG)
    model.safetensors      the final weights (metadata: how to rebuild the model)
    summary.json           final metrics under flat keys (test_accuracy, train_seconds, ...)
    report.html            curves, test metrics, confusion matrix; opens offline

The index (`index.jsonl` in the runs folder: $LEARNLAB_RUNS, else ./runs) gets one line per
finished run, so that `learnlab runs` can list them.
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from learnlab.errors import ConfigError
from learnlab.fileio import atomic_write_text

CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.jsonl"
CHECKPOINT_FILE = "checkpoint.safetensors"
MODEL_FILE = "model.safetensors"
SUMMARY_FILE = "summary.json"
REPORT_FILE = "report.html"
INDEX_FILE = "index.jsonl"


def runs_root() -> Path:
    return Path(os.environ.get("LEARNLAB_RUNS", "runs"))


def new_run_dir(label: str, run_dir: str | Path | None = None) -> Path:
    """Create (or reuse, if empty) the run directory; default runs/<time>-<label>."""
    if run_dir is None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = runs_root() / f"{stamp}-{label}"
        suffix = 1
        while path.exists():
            suffix += 1
            path = runs_root() / f"{stamp}-{label}-{suffix}"
    else:
        path = Path(run_dir)
        if path.exists() and not path.is_dir():
            raise ConfigError(f"--run-dir {path} exists and is not a directory.")
        if path.is_dir() and any(path.iterdir()):
            raise ConfigError(
                f"--run-dir {path} already holds files; a run never overwrites another.\n"
                f"Choose a new directory, or continue that run with --resume {path}."
            )
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


def read_json(path: Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def append_to_index(run_dir: Path, record: dict[str, Any]) -> Path:
    """Append one JSON line for a finished run; a single write, so lines never interleave."""
    root = runs_root()
    root.mkdir(parents=True, exist_ok=True)
    entry = {"run_dir": str(Path(run_dir).resolve()), "finished": time.time(), **record}
    index = root / INDEX_FILE
    with open(index, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")
    return index


def read_index() -> list[dict[str, Any]]:
    index = runs_root() / INDEX_FILE
    if not index.is_file():
        return []
    entries = []
    for line in index.read_text(encoding="utf-8").splitlines():
        if line.strip():
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut by a crash is skipped, the rest stays readable
    return entries
