"""Settings as text: a TOML file, and `--set key=value` assignments applied to a dict.

A `--set` value is read as TOML (`lr=0.1`, `x=[1, 2]`, `flag=true`); a value that is not valid
TOML is taken as a string (`optimizer=sgd`), except a bracketed one: a list of words needs its
quotes (`methods=["maml"]`), and without them the error shows the quoted form to type.
`learnlab.config` validates the merged dict against its pydantic models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tomllib

from learnlab.io.errors import ConfigError


def read_toml(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist.\nGive the path of a TOML file.")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(
            f"config file {path} cannot be read: {exc.strerror}.\nGive a readable TOML file."
        ) from exc


def parse_assignment(text: str) -> tuple[list[str], Any]:
    """`a.b=value` -> (["a", "b"], value read as TOML, else as the raw string)."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise ConfigError(
            f"--set {text!r} is not of the form key=value.\n"
            "Example: --set lr=0.1 --set model_options.width=128"
        )
    raw = raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError as exc:
        if raw.startswith(("[", "{")):
            # a list or table that is not TOML is a typo, never meant as a string
            raise ConfigError(
                f"--set {text!r}: the value is not a valid TOML list or table ({exc}).\n"
                "Words inside one need double quotes, and the whole --set single quotes in "
                f"a shell: --set '{key}={_quoted_words(raw)}'"
            ) from None
        value = raw
    return key.split("."), value


_QUOTES = "'\""


def _quoted_words(raw: str) -> str:
    """`[a, 2]` -> `["a", 2]`: the likely intent of an unquoted list, for the hint (items
    that are TOML values already, numbers or true/false, stay as they are)."""
    if not raw.startswith("["):
        return raw
    items = [w.strip() for w in raw.strip("[] ").split(",") if w.strip()]
    return "[" + ", ".join(w if _is_toml(w) else f'"{w.strip(_QUOTES)}"' for w in items) + "]"


def _is_toml(value: str) -> bool:
    try:
        tomllib.loads(f"v = {value}")
    except tomllib.TOMLDecodeError:
        return False
    return True


def apply_assignments(data: dict[str, Any], assignments: list[str]) -> dict[str, Any]:
    """A copy of `data` with every `key=value` of `assignments` applied in order."""
    result = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    for text in assignments:
        path, value = parse_assignment(text)
        node = result
        for part in path[:-1]:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            elif not isinstance(child, dict):
                raise ConfigError(
                    f"--set {text!r}: {part!r} holds a value, not a table of options."
                )
            node = child
        node[path[-1]] = value
    return result
