"""Calling a model factory: `build_model` and the user's own factories (`user_factory`) both
call a factory through `call_factory`, which passes the reserved arguments the factory takes,
rejects unknown options with a suggestion, and checks that an `nn.Module` came back. It lives
apart from the registry so that `user_factory` (loaded lazily by the registry) needs nothing
from the registry.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from typing import Any

from torch import nn

from learnlab.io.errors import ConfigError

# Arguments that `build_model` passes itself; they are not options.
RESERVED = ("input_shape", "num_outputs")


def call_factory(
    label: str,
    factory: Callable[..., Any],
    input_shape: tuple[int, ...],
    num_outputs: int,
    options: dict[str, Any],
) -> nn.Module:
    """Call `factory` with the reserved arguments it accepts plus `options`; check the result.

    `label` names the model in error messages (e.g. "model 'mlp'").
    """
    signature = inspect.signature(factory)
    params = signature.parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    keyword_kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    allowed = sorted(p.name for p in params.values() if p.kind in keyword_kinds)
    allowed = [p for p in allowed if p not in RESERVED]
    for option in options:
        if option not in allowed and not takes_any:
            hint = difflib.get_close_matches(option, allowed, n=1)
            maybe = f" Did you mean {hint[0]!r}?" if hint else ""
            choices = ", ".join(allowed) if allowed else "none"
            raise ConfigError(
                f"{label} has no option {option!r}.{maybe} Its options are: {choices}."
            )
    reserved = {"input_shape": input_shape, "num_outputs": num_outputs}
    kwargs = {k: v for k, v in reserved.items() if k in params or takes_any}
    kwargs.update(options)
    try:
        signature.bind(**kwargs)
    except TypeError as exc:
        raise ConfigError(
            f"{label} cannot be called with arguments {sorted(kwargs)}: {exc}. "
            "Give each required argument as an option."
        ) from exc
    try:
        model = factory(**kwargs)
    except ConfigError as exc:
        raise ConfigError(f"{label}: {exc}") from exc
    if not isinstance(model, nn.Module):
        raise ConfigError(
            f"{label} returned a value of type {type(model).__name__}, not a torch.nn.Module. "
            "A model factory must return the model itself."
        )
    return model
