"""The defaults of the options a training config leaves unset: `model_options`,
`optimizer_options` and `schedule_options` completed from the model factory's signature,
torch's optimizer signatures and the schedules' table. `--dry-run` shows a config with them
filled in, and `learnlab runs compare` compares runs with them filled in (so `{}` and
`{"width": 128}` compare as 256 against 128). Defaults that depend on the run (a schedule's
`tau` is its total steps) and None defaults are left out.
"""

from __future__ import annotations

import contextlib
from typing import Any

from learnlab.io.errors import ConfigError


def model_defaults(name: str, *, import_user_files: bool) -> dict[str, Any]:
    from learnlab.models.options import model_option_defaults
    from learnlab.models.registry import model_names

    if name not in model_names() and not import_user_files:
        raise ConfigError(f"{name!r} is not a registered model")
    return model_option_defaults(name)


def optimizer_defaults(name: str) -> dict[str, Any]:
    from learnlab.models.options import json_value
    from learnlab.train.optimizers import optimizer_option_defaults

    defaults = optimizer_option_defaults(name)
    return {k: json_value(v) for k, v in defaults.items() if v is not None}


def schedule_defaults(name: str) -> dict[str, Any]:
    from learnlab.train.schedules import schedule_computed_defaults, schedule_option_defaults

    computed = schedule_computed_defaults(name)
    return {k: v for k, v in schedule_option_defaults(name).items() if k not in computed}


def fill_option_defaults(config: dict[str, Any], *, import_user_files: bool = False) -> dict:
    """A copy of `config` whose option tables hold every default, the options given winning.

    A name learnlab does not know (a recipe's own key called `model`, say) keeps its options
    as they are; a user's model file is imported only with `import_user_files` (a dry run,
    which builds the model anyway; never a comparison of old runs)."""
    filled = dict(config)
    for key, defaults_of in (
        ("model", lambda n: model_defaults(n, import_user_files=import_user_files)),
        ("optimizer", optimizer_defaults),
        ("schedule", schedule_defaults),
    ):
        name, options = filled.get(key), filled.get(f"{key}_options")
        if isinstance(name, str) and isinstance(options, dict):
            with contextlib.suppress(ConfigError):
                filled[f"{key}_options"] = {**defaults_of(name), **options}
    return filled
