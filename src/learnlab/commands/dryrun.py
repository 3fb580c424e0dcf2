"""Dry runs: check a whole configuration without loading data or training anything.

`learnlab train --dry-run` and `learnlab run NAME --dry-run` validate the configuration
(types, ranges, names), then build what a run would build from it with the builder the run
uses (`learnlab.pipeline.build.build_training_parts`):

    model (with its options, on the data set's example shape) -> initialisation ->
    optimizer (with its options) -> schedule (with its options)

on PyTorch's "meta" device, where tensors have shapes but no storage, so that even a huge
model costs no memory. The data set's shapes come from its registration (`DatasetSpec`'s
input_shape, num_outputs, train_examples, has_val), not from its files
(tests/reliability/test_reliability_dryrun.py checks them against `load_dataset`).
What depends on the data's contents (a learning curve's sizes against the examples
available) is checked only when the run loads the data.

The JSON printed is the resolved configuration with the defaults of the model's, optimizer's
and schedule's options filled into `model_options`, `optimizer_options` and
`schedule_options` (`with_defaults`): what the run will use. A real run's config.json keeps
the options as given, so that runs compare, resume and search on what the user chose.
Defaults that depend on the run (a linear schedule's tau = the number of steps) and defaults
of None (L-BFGS's max_eval) are left out: TOML cannot write None, and a number computed for
this run would stop following the epochs.
"""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING, Any

from learnlab.config import StrictModel, TrainConfig, check_fits_data

if TYPE_CHECKING:
    from learnlab.data.registry import DatasetSpec


def check_train_config(config: TrainConfig) -> dict[str, Any]:
    """Build the model, optimizer and schedule of `config` on the meta device, as
    `run_training` builds them; raise the ConfigError a real run would. Returns what was
    checked (for the console)."""
    import torch

    from learnlab.data import get_dataset_spec
    from learnlab.pipeline.build import build_training_parts

    spec = get_dataset_spec(config.dataset)
    if not spec.shapes_known:
        return {"dataset": config.dataset, "model_built": False}
    assert spec.input_shape is not None and spec.num_outputs is not None  # shapes_known
    check_fits_data(config, spec.input_shape, spec.has_val or config.val_fraction > 0)
    with torch.device("meta"):
        parts = build_training_parts(
            config,
            spec.input_shape,
            spec.num_outputs,
            steps_per_epoch=steps_per_epoch(config, spec),
            device="meta",
        )
    parameters = sum(p.numel() for p in parts.model.parameters())
    return {"dataset": config.dataset, "model_built": True, "parameters": parameters}


def with_defaults(resolved: Any) -> Any:
    """`resolved` (a config as JSON data) with the option defaults filled in, in every table
    that names a model, optimizer or schedule beside its options; the options given win."""
    from learnlab.train.option_defaults import fill_option_defaults

    if isinstance(resolved, list):
        return [with_defaults(v) for v in resolved]
    if not isinstance(resolved, dict):
        return resolved
    filled = {k: with_defaults(v) for k, v in resolved.items()}
    return fill_option_defaults(filled, import_user_files=True)


def steps_per_epoch(config: TrainConfig, spec: DatasetSpec) -> int:
    """Batches per epoch, as learnlab.pipeline.prepare_data will split the data."""
    assert spec.train_examples is not None, f"{spec.name} was registered without its shapes"
    examples = spec.train_examples
    if not spec.has_val and config.val_fraction > 0:
        examples -= max(1, round(config.val_fraction * examples))
    if config.limit_train is not None:
        examples = min(examples, config.limit_train)
    return max(1, math.ceil(examples / config.batch_size))


def recipe_train_configs(name: str, config: StrictModel) -> list[TrainConfig]:
    """The `learnlab train` configurations a recipe derives from its own (each seed's run,
    each learning-curve point's...), as the recipe declares them at registration; building
    them validates them. A recipe that declares none has only its own config checked."""
    from learnlab.recipes import get_recipe

    derive = get_recipe(name).train_configs
    return list(derive(config)) if derive is not None else []


def report(resolved: dict[str, Any], checked: list[dict[str, Any]]) -> None:
    """Print the resolved configuration as JSON on stdout, one line per check on stderr."""
    import json

    for entry in {json.dumps(entry, sort_keys=True): entry for entry in checked}.values():
        if entry["model_built"]:
            what = f"model, optimizer and schedule built ({entry['parameters']:,} parameters)"
        else:
            what = "model not built (shapes of this data set unknown until it is loaded)"
        print(f"dry run: {entry['dataset']}: {what}", file=sys.stderr)
    print("dry run: the configuration is valid; nothing was trained or written", file=sys.stderr)
    print(json.dumps(with_defaults(resolved), indent=2))
