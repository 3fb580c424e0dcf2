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
from learnlab.fileio import atomic_write_bytes, atomic_write_text

CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.jsonl"
CHECKPOINT_FILE = "checkpoint.safetensors"
MODEL_FILE = "model.safetensors"
SUMMARY_FILE = "summary.json"
REPORT_FILE = "report.html"
INDEX_FILE = "index.jsonl"
MODEL_METADATA_KEY = "learnlab_model"


def runs_root() -> Path:
    return Path(os.environ.get("LEARNLAB_RUNS", "runs"))


def choose_run_dir(label: str, run_dir: str | Path | None = None) -> Path:
    """The run directory to use (default runs/<time>-<label>); it must not hold files.
    Nothing is created: the caller makes it once the run is ready to start."""
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


def save_model(path: Path, model, recipe: dict[str, Any]) -> None:
    """Final weights as safetensors; `recipe` (JSON in the header) says how to rebuild the
    model: registry name or file:factory, options, input shape, outputs, normalisation."""
    from safetensors.torch import save

    weights = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    header = {MODEL_METADATA_KEY: json.dumps(recipe)}
    atomic_write_bytes(Path(path), save(weights, metadata=header))


def load_model(path: str | Path):
    """Rebuild a trained model from a run directory (or its model.safetensors).

    Returns `(model, recipe)`, the model in eval mode on the CPU; `recipe` holds what
    `save_model` stored, including the normalisation (scale, mean, std) its inputs need.

    >>> model, recipe = load_model("runs/20261123-120000-mnist-lenet5")  # doctest: +SKIP
    """
    from safetensors import safe_open

    from learnlab.errors import DataError
    from learnlab.models import build_model

    path = Path(path)
    file = path / MODEL_FILE if path.is_dir() else path
    if not file.is_file():
        raise DataError(
            f"no trained model at {file}.\n"
            "Give a run directory whose training finished (it holds model.safetensors)."
        )
    with safe_open(str(file), framework="pt") as f:
        header = (f.metadata() or {}).get(MODEL_METADATA_KEY)
        weights = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 - no __iter__
    if header is None:
        raise DataError(f"{file} holds weights but not how to rebuild the model.")
    recipe = json.loads(header)
    model = build_model(
        recipe["model"], tuple(recipe["input_shape"]), recipe["num_outputs"], **recipe["options"]
    )
    model.load_state_dict(weights)
    return model.eval(), recipe


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
