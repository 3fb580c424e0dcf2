"""Run directories and the run index.

A run directory holds everything one run produced:

    config.json            the resolved configuration
    metrics.jsonl          one line of metrics per finished epoch
    checkpoint.safetensors the resumable state (weights, optimizer, schedule, loader, RNG)
    model.safetensors      the final weights (metadata: how to rebuild the model)
    summary.json           final metrics under flat keys (test_accuracy, train_seconds, ...)
    outputs.safetensors    what the report needs beyond those: test labels and class
                           probabilities, the training loss at every step, the worst-
                           classified test images; JSON metadata (title, notes, steps per
                           epoch)
    tables.json            optional: tables a recipe adds to the report (paper vs measured)
    report.html            curves, test metrics, confusion matrix; opens offline; rebuilt
                           from the files above by `learnlab.report.run_report`
    .learnlab.lock         while a run writes it: the claim of the directory (its holder's
                           PID, host, start); not a file of the run (`learnlab.runs.claim`)

The run index (`index.sqlite` in the runs folder: $LEARNLAB_RUNS, else ./runs;
`learnlab.runs.index`) gets one row per finished run, so that `learnlab runs` can list, filter
and compare them.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from learnlab.io.atomic import atomic_write_bytes, atomic_write_text
from learnlab.io.errors import ConfigError, DataError
from learnlab.io.safe_load import read_safetensors

# the model file belongs to io.weights; re-exported here beside the run directory's other files
from learnlab.io.weights import MODEL_FILE as MODEL_FILE
from learnlab.io.weights import read_model_info as read_model_info
from learnlab.io.weights import save_model as save_model

CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.jsonl"
CHECKPOINT_FILE = "checkpoint.safetensors"
SUMMARY_FILE = "summary.json"
REPORT_FILE = "report.html"
OUTPUTS_FILE = "outputs.safetensors"
TABLES_FILE = "tables.json"
CLAIM_FILE = ".learnlab.lock"

# outputs.safetensors: its JSON metadata sits under OUTPUTS_METADATA_KEY of the header
OUTPUTS_METADATA_KEY = "learnlab_outputs"
TEST_LABELS_KEY = "test_labels"  # int64 (N,), the test split's labels in order
TEST_PROBABILITIES_KEY = "test_probabilities"  # float32 (N, K), softmax of the model's logits
STEP_LOSSES_KEY = "train_step_losses"  # float32 (steps,), the training loss after every step
# float32 (N, K) test probabilities of a baseline model, e.g. "baseline_probabilities/majority"
BASELINE_PROBABILITIES_PREFIX = "baseline_probabilities/"
# image data only: the worst-classified test images (highest loss first) for the report's
# gallery, uint8 (G, C, H, W) in 0..255 (0 black), and their int64 (G,) positions in the test
# split (their labels and probabilities are those of TEST_LABELS_KEY, TEST_PROBABILITIES_KEY)
GALLERY_IMAGES_KEY = "gallery_images"
# regression only: float32 (N, ...) test targets and the model's predictions, and baselines'
# predictions, e.g. "baseline_predictions/linear"
TEST_TARGETS_KEY = "test_targets"
TEST_PREDICTIONS_KEY = "test_predictions"
BASELINE_PREDICTIONS_PREFIX = "baseline_predictions/"
GALLERY_INDICES_KEY = "gallery_indices"


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
        refuse_files(path)
    return path


def holds_files(path: Path) -> bool:
    """Whether directory `path` holds anything besides a claim's lock file."""
    return Path(path).is_dir() and any(p.name != CLAIM_FILE for p in Path(path).iterdir())


def refuse_files(path: Path) -> None:
    """A ConfigError if `path` holds files: a run never overwrites another."""
    if holds_files(path):
        raise ConfigError(
            f"--run-dir {path} already holds files; a run never overwrites another.\n"
            f"Choose a new directory, or continue that run with --resume {path}."
        )


def write_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


def read_json(path: Path) -> Any:
    """The JSON in `path`; a damaged file is a DataError naming it, not a traceback."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(
            f"{path} is not valid JSON ({exc}); the file is damaged. Rerun what wrote it, "
            "or restore it from a copy."
        ) from None


def read_json_object(path: Path) -> dict[str, Any]:
    """Like `read_json`, for the files that hold one JSON object (summary, config)."""
    data = read_json(path)
    if not isinstance(data, dict):
        raise DataError(
            f"{path} holds a JSON {type(data).__name__}, not an object of named values; the "
            "file is damaged or not learnlab's. Rerun what wrote it."
        )
    return data


def read_history(path: Path) -> list[dict[str, Any]]:
    """The per-epoch records of a metrics.jsonl; a line cut short by a crash (the last one,
    written when the process died) is skipped, so the epochs before it stay readable."""
    history = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line) if line.strip() else None
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            history.append(record)
    return history


def save_outputs(run_dir: Path, tensors: dict[str, Any], metadata: dict[str, Any]) -> Path:
    """Write `run_dir/outputs.safetensors` atomically: `tensors` (name -> tensor) and
    `metadata` (JSON: title, notes, steps_per_epoch, ...) in its header."""
    from safetensors.torch import save

    data = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    header = {OUTPUTS_METADATA_KEY: json.dumps(metadata)}
    path = Path(run_dir) / OUTPUTS_FILE
    atomic_write_bytes(path, save(data, metadata=header))
    return path


def load_outputs(run_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(tensors, metadata) of `run_dir/outputs.safetensors`; tensors on the CPU."""
    from learnlab.io.errors import DataError

    path = Path(run_dir) / OUTPUTS_FILE
    if not path.is_file():
        raise DataError(
            f"{path} is missing: {run_dir} is not a finished run directory (or was written "
            "by a learnlab without outputs files). Give the directory of a finished run."
        )
    tensors, header = read_safetensors(path, what="run outputs")
    metadata = json.loads(header.get(OUTPUTS_METADATA_KEY, "{}"))
    return tensors, metadata


def add_outputs(run_dir: Path, tensors: dict[str, Any]) -> Path:
    """Add (or replace) tensors in `run_dir/outputs.safetensors`, keeping the rest; e.g. a
    baseline's test probabilities under BASELINE_PROBABILITIES_PREFIX + name."""
    existing, metadata = load_outputs(run_dir)
    return save_outputs(run_dir, {**existing, **tensors}, metadata)
