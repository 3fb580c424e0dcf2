"""How numbers and values are shown to a person: in reports, tables and console lines.

One format per kind of number, chosen from the metric's name by `format_metric`:

- fractions in [0, 1] (accuracy, precision, recall, F1, AUC, AP, coverage, and error rates
  named `..._error` such as `val_error`): percent with 2 decimals, `95.28%`; a name that says
  `percent` or `pct` holds percent already and is left alone;
- durations (`seconds`, `time`, `..._s`): seconds with 1 decimal, `12.3 s`;
- everything else (losses, ECE, learning rates, counts): `format_number`, 4 significant
  digits with thousands separators, `0.1765`, `85,002`, `3.88e+07`.

`flatten` turns nested settings into dotted keys. Plain Python: no module of learnlab below it
needs anything else to print.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

_MAX_LIST_ITEMS = 20
# Name tokens of metrics shown as percentages (when the value lies in [0, 1]).
_FRACTION_TOKENS = frozenset(
    {"accuracy", "acc", "precision", "recall", "f1", "auc", "ap", "coverage"}
)
_PERCENT_TOKENS = frozenset({"percent", "pct"})  # the value is in percent already
_SECONDS_TOKENS = frozenset({"seconds", "sec", "time"})


def _plain(value: Any) -> Any:
    """Tensors and numpy values as Python scalars or lists; everything else unchanged."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return value.tolist()
    return value


def format_number(value: float | int) -> str:
    """A number as a person reads it: 4 significant digits, thousands separators, no noise."""
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if not math.isfinite(value):
        return str(value)
    magnitude = abs(value)
    if value == 0:
        return "0"
    if magnitude >= 1e6 or magnitude < 1e-3:
        return f"{value:.4g}"
    if magnitude >= 100:
        return f"{value:,.1f}"
    return f"{value:.4g}"


def format_value(value: Any) -> str:
    """Any value of a summary, table or config as short text (not yet escaped)."""
    value = _plain(value)
    if value is None:
        return "\u2014"
    if isinstance(value, (bool, str)):
        return str(value)
    if isinstance(value, (int, float)):
        return format_number(value)
    if isinstance(value, (list, tuple)):
        shown = ", ".join(format_value(v) for v in value[:_MAX_LIST_ITEMS])
        more = f", \u2026 ({len(value)} items)" if len(value) > _MAX_LIST_ITEMS else ""
        return f"[{shown}{more}]"
    return str(value)


def _tokens(key: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9]+", key.lower()) if t]


def is_fraction_metric(key: str) -> bool:
    """Whether the metric `key` is a fraction shown in percent (accuracy, F1, AUC, an error
    rate...), by the tokens of its name; see the module docstring."""
    tokens = _tokens(key)
    if _PERCENT_TOKENS & set(tokens):
        return False
    return bool(_FRACTION_TOKENS & set(tokens)) or (bool(tokens) and tokens[-1] == "error")


def format_metric(key: str, value: Any) -> str:
    """Like `format_value`, with one format per kind of metric (see the module docstring):
    `test_accuracy` 0.9528 -> `95.28%`, `train_seconds` 12.34 -> `12.3 s`, `test_loss`
    0.17654 -> `0.1765`."""
    value = _plain(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return format_value(value)
    tokens = _tokens(key)
    if is_fraction_metric(key) and 0.0 <= value <= 1.0:
        return f"{100.0 * value:.2f}%"
    if _SECONDS_TOKENS & set(tokens) or (tokens and tokens[-1] == "s"):
        return f"{value:,.1f} s"
    return format_number(value)


def flatten(mapping: Mapping, prefix: str = "") -> dict[str, Any]:
    """{"a": {"b": 1}} -> {"a.b": 1}; an empty nested mapping stays as {}."""
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, prefix=f"{name}."))
        else:
            flat[name] = value
    return flat
