"""A trained model's file: its weights as safetensors and, in the header, the JSON that says how
to rebuild it (registry name or file:factory, options, input shape, outputs, normalisation).

`learnlab.models.saved.load_model` rebuilds the model from it; this module only reads and
writes the file, so the run directory (`learnlab.runs`) can do so without importing models.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from learnlab.io.atomic import atomic_write_bytes
from learnlab.io.errors import DataError
from learnlab.io.safe_load import read_safetensors

MODEL_FILE = "model.safetensors"
MODEL_METADATA_KEY = "learnlab_model"


def save_model(path: Path, model, recipe: dict[str, Any]) -> None:
    """Final weights as safetensors; `recipe` (JSON in the header) says how to rebuild the
    model: registry name or file:factory, options, input shape, outputs, normalisation."""
    from safetensors.torch import save

    weights = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    header = {MODEL_METADATA_KEY: json.dumps(recipe)}
    atomic_write_bytes(Path(path), save(weights, metadata=header))


def read_model_file(path: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(weights, recipe) of a model file or of a run directory's model.safetensors; a pickle is
    refused before any parsing and a damaged or foreign file is a DataError naming it."""
    path = Path(path)
    file = path / MODEL_FILE if path.is_dir() else path
    if not file.is_file():
        raise DataError(
            f"no trained model at {file}.\n"
            "Give a run directory whose training finished (it holds model.safetensors)."
        )
    weights, metadata = read_safetensors(file, what="model")
    header = metadata.get(MODEL_METADATA_KEY)
    if header is None:
        raise DataError(f"{file} holds weights but not how to rebuild the model.")
    return weights, json.loads(header)


def read_model_info(run_dir: Path) -> dict[str, Any]:
    """The JSON header of `run_dir/model.safetensors` (or of a model file given itself: model,
    options, dataset, task, class_names, normalisation) without loading the weights."""
    path = Path(run_dir) / MODEL_FILE if Path(run_dir).is_dir() else Path(run_dir)
    if not path.is_file():
        raise DataError(f"no trained model at {path}; give the directory of a finished run.")
    header = read_safetensors(path, what="model", tensors=False)[1].get(MODEL_METADATA_KEY)
    return json.loads(header) if header else {}
