"""What `learnlab export` exports and checks against: the saved models of a run directory (each
`<name>.safetensors` whose header says how to rebuild it; never unpickled) and the test
examples of the data set the model was trained on, normalised as its header records.

    >>> files = saved_models(Path("runs/20261206-mnist-lenet5"))  # doctest: +SKIP
    {'model': PosixPath('runs/20261206-mnist-lenet5/model.safetensors')}
    >>> x = check_inputs(read_model_info(files["model"]), examples=1000)  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from torch import Tensor

from learnlab.io.errors import ConfigError, DataError
from learnlab.io.safe_load import read_safetensors
from learnlab.io.weights import MODEL_METADATA_KEY


def saved_models(run_dir: Path) -> dict[str, Path]:
    """name -> file of every saved model in `run_dir` ("model" is model.safetensors); the
    checkpoint and the outputs, whose headers say no model, are left out."""
    found = {}
    for file in sorted(Path(run_dir).glob("*.safetensors")):
        try:
            header = read_safetensors(file, what="model", tensors=False)[1]
        except DataError:
            continue  # a damaged file is not a model to offer; `--model` names it if asked
        if MODEL_METADATA_KEY in header:
            found[file.stem] = file
    return found


def choose_model(run_dir: Path, name: str | None) -> Path:
    """The model file of `run_dir` to export: the only one, or the one `--model` names."""
    models = saved_models(run_dir)
    if not models:
        raise ConfigError(
            f"{run_dir} holds no trained weights (no model.safetensors or other saved model): "
            "its training did not finish, or its recipe keeps no model.\n"
            "Export a finished run (`learnlab runs` lists them), or finish this one with "
            f"`learnlab train --resume {run_dir}`."
        )
    listing = ", ".join(models)
    if name is None:
        if len(models) > 1:
            raise ConfigError(
                f"{run_dir} holds {len(models)} saved models ({listing}); choose one with "
                "--model NAME."
            )
        return next(iter(models.values()))
    if name not in models:
        raise ConfigError(
            f"--model {name!r}: {run_dir} holds no saved model of that name; it holds: {listing}."
        )
    return models[name]


def check_inputs(info: dict[str, Any], *, examples: int, data_root: str | None = None) -> Tensor:
    """The first `examples` test examples of the data set the model's header names, normalised
    as training normalised them ((x / scale - mean) / std, the header's numbers)."""
    from learnlab.data import dataset_names, get_dataset_spec, load_dataset, normalize

    name, shape = info.get("dataset"), tuple(info.get("input_shape") or ())
    known = name in dataset_names()
    if not known or tuple(get_dataset_spec(name).input_shape or ()) != shape:
        raise ConfigError(
            f"cannot check the export: the model's header names the data set {name!r} with "
            f"examples of shape {shape}, which is not a registered data set of that shape, so "
            "there are no test examples to compare the file's outputs with the model's on.\n"
            "Export a model trained by `learnlab train` (or a recipe on a registered data set)."
        )
    if examples < 1:
        raise ConfigError(f"--examples {examples}: give 1 or more test examples to check on.")
    data = load_dataset(name, root=data_root)
    x = data.test.x[:examples]
    scale, mean, std = (float(info.get(k, d)) for k, d in (("scale", 1), ("mean", 0), ("std", 1)))
    return normalize(x, scale=scale, mean=mean, std=std)
