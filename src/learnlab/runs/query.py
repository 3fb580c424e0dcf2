"""Selecting runs of the run index: filters such as `test_accuracy>0.9`, sorting, and finding
one run from what a person types (a path, a name, or an unambiguous prefix of a name).

A filter is `KEY OP VALUE`, parsed by a regular expression (never evaluated as code). OP is one
of `>=`, `<=`, `>`, `<`, `==` (or `=`), `!=`, and `~` (VALUE occurs in the text). VALUE is a
number (a trailing `%` divides by 100: `test_accuracy>=99%`) or text (quotes optional). KEY is
looked up in the index row (`name`, `kind`, `dataset`, `model`, `status`, `test_accuracy`,
...), then in the run's summary, then in its configuration; `summary.KEY` and `config.KEY`
name one of those explicitly, and dots reach nested settings (`config.model_options.width`).
A run without the key does not match.

Example:
    >>> cond = parse_condition("test_accuracy >= 99%")
    >>> cond.matches({"test_accuracy": 0.9912}), cond.matches({"test_accuracy": 0.98})
    (True, False)
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from learnlab.io.errors import ConfigError

_MISSING = object()
_CONDITION = re.compile(
    r"^\s*(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)\s*(?P<op>>=|<=|==|!=|=|>|<|~)\s*(?P<value>.*?)\s*$"
)
_ORDERING: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}
OPERATORS = (">=", "<=", ">", "<", "==", "!=", "~")


def lookup(entry: dict[str, Any], key: str) -> Any:
    """The value of `key` for one index entry, or _MISSING; see the module docstring."""
    head, _, rest = key.partition(".")
    if head in ("summary", "config") and rest:
        return _dotted(entry.get(head) or {}, rest)
    if key in entry and key not in ("summary", "config"):
        return entry[key]
    for part in ("summary", "config"):
        value = _dotted(entry.get(part) or {}, key)
        if value is not _MISSING:
            return value
    return _MISSING


def _dotted(mapping: Any, key: str) -> Any:
    if isinstance(mapping, dict) and key in mapping:  # keys that contain dots themselves
        return mapping[key]
    for part in key.split("."):
        if not isinstance(mapping, dict) or part not in mapping:
            return _MISSING
        mapping = mapping[part]
    return mapping


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


@dataclass(frozen=True)
class Condition:
    """One parsed filter: `key op value` (`number` is set when the value is numeric)."""

    key: str
    op: str
    text: str
    number: float | None

    def matches(self, entry: dict[str, Any]) -> bool:
        value = lookup(entry, self.key)
        if value is _MISSING or value is None:
            return False
        if self.op == "~":
            return self.text.lower() in str(value).lower()
        if self.number is not None and _number(value) is not None:
            left, right = _number(value), self.number
            if self.op in _ORDERING:
                return _ORDERING[self.op](left, right)
            equal = math.isclose(left, right, rel_tol=1e-9, abs_tol=0.0)
            return equal if self.op == "==" else not equal
        if self.op in _ORDERING:
            return False  # a text value (or a number compared with text) has no order here
        if isinstance(value, bool):  # true, True and TRUE all name the same boolean
            return (str(value).lower() == self.text.lower()) == (self.op == "==")
        return (str(value) == self.text) == (self.op == "==")


def parse_condition(text: str) -> Condition:
    """Parse `KEY OP VALUE`; a ConfigError says what is wrong and shows the form."""
    match = _CONDITION.match(text)
    form = (
        "Write KEY OP VALUE with OP one of " + " ".join(OPERATORS) + ", e.g. "
        "--where 'test_accuracy>0.9', --where 'dataset=mnist', --where 'config.lr<=0.01'."
    )
    if match is None:
        raise ConfigError(f"cannot read the filter {text!r}. {form}")
    key, op, value = match["key"], match["op"], match["value"]
    op = "==" if op == "=" else op
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    if not value:
        raise ConfigError(f"the filter {text!r} has no value after {op!r}. {form}")
    if any(o in value for o in ("<", ">", "=")):
        raise ConfigError(f"the filter {text!r} has more than one operator. {form}")
    number: float | None = None
    try:
        number = float(value[:-1]) / 100 if value.endswith("%") else float(value)
    except ValueError:
        if op in _ORDERING:
            raise ConfigError(
                f"the filter {text!r} compares with {op!r}, which needs a number, but "
                f"{value!r} is not one. Use == or != (or ~ for 'contains') for text."
            ) from None
    if number is not None and not math.isfinite(number):
        raise ConfigError(f"the filter {text!r} compares with {value!r}; give a finite number.")
    return Condition(key, op, value, number)


def known_keys(entries: Iterable[dict[str, Any]]) -> list[str]:
    """Every key a filter or sort can use on these entries (top level, summary, config)."""
    keys: set[str] = set()
    for entry in entries:
        keys |= {k for k in entry if k not in ("summary", "config")}
        keys |= set((entry.get("summary") or {}).keys())
        keys |= {f"config.{k}" for k in (entry.get("config") or {})}
    return sorted(keys)


def _check_key(key: str, entries: list[dict[str, Any]], what: str) -> None:
    if entries and all(lookup(e, key) is _MISSING for e in entries):
        shown = ", ".join(known_keys(entries))
        raise ConfigError(f"no run has {key!r} (in {what}). Keys the runs have: {shown}.")


def select(
    entries: list[dict[str, Any]],
    conditions: Iterable[Condition] = (),
    *,
    sort: str | None = None,
    reverse: bool = False,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The entries that meet every condition, newest first, or by `sort` (ascending unless
    `reverse`; runs without the key last), at most `limit` of them."""
    conditions = list(conditions)
    for condition in conditions:
        _check_key(condition.key, entries, f"--where {condition.key}{condition.op}...")
    chosen = [e for e in entries if all(c.matches(e) for c in conditions)]
    if sort is None:
        chosen.sort(key=lambda e: e.get("finished") or 0.0, reverse=not reverse)
    else:
        _check_key(sort, entries, f"--sort {sort}")
        present = [e for e in chosen if lookup(e, sort) not in (_MISSING, None)]
        absent = [e for e in chosen if lookup(e, sort) in (_MISSING, None)]

        def order(entry: dict[str, Any]) -> tuple[int, float, str]:
            value = lookup(entry, sort)
            number = _number(value)
            return (0, number, "") if number is not None else (1, 0.0, str(value))

        chosen = sorted(present, key=order, reverse=reverse) + absent
    if limit is not None:
        if limit < 1:
            raise ConfigError(f"--limit must be at least 1, got {limit}.")
        chosen = chosen[:limit]
    return chosen


def resolve_run(ref: str, entries: list[dict[str, Any]]) -> Path:
    """The run directory meant by `ref`: an existing directory path, else the indexed run
    whose name is `ref`, else the one whose name starts with `ref` (if only one does)."""
    path = Path(ref)
    if path.is_dir():
        return path
    exact = [e for e in entries if e.get("name") == ref]
    prefixed = exact or [e for e in entries if str(e.get("name", "")).startswith(ref)]
    dirs = sorted({e["run_dir"] for e in prefixed})
    if len(dirs) == 1:
        return Path(dirs[0])
    if not dirs:
        raise ConfigError(
            f"no run directory {ref!r} and no indexed run whose name starts with it. "
            "Give a run directory's path, or a name from `learnlab runs`."
        )
    shown = "\n  ".join(dirs[:10]) + ("\n  ..." if len(dirs) > 10 else "")
    raise ConfigError(
        f"{ref!r} matches {len(dirs)} runs:\n  {shown}\nType more of the name, or the path."
    )
