"""The settings in which listed runs differ: `learnlab runs` shows them as columns, so that
runs of one model on one data set can be told apart (lr 0.1 against 0.01, epochs 5 against 20).

A run's settings are its configuration flattened to dotted keys (`model_options.width`); the
run index holds each run's config.json, and a run indexed without one has it read from its
directory. A key differs when its value is not the same in every listed run; a run without the
key shows "-" there (a recipe's config has other keys than `learnlab train`'s, and an option
left unset is absent from `model_options`). At most `limit` columns are shown: first the keys
every run has, then those some runs lack, and last the ones that say where or how a run ran
(data_root, device, progress...), which do not change its numbers; the rest are named below
the table.

Example:
    >>> columns = differing_settings([{"lr": 0.1, "epochs": 5}, {"lr": 0.01, "epochs": 5}])
    >>> columns.keys, setting_cell({"lr": 0.1}, "lr"), setting_cell({}, "lr")
    (['lr'], '0.1', '-')
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from learnlab.formatting import flatten
from learnlab.io.errors import DataError
from learnlab.runs.directory import CONFIG_FILE, read_json_object

ABSENT = "-"
MAX_COLUMNS = 6
# keys that say where or how a run ran, not what it computed: shown last
WHERE_KEYS = frozenset(
    {
        "data_root",
        "download",
        "progress",
        "device",
        "checkpoint_every_batches",
        "checkpoint_every_seconds",
        "eval_batch_size",
    }
)
# settings `learnlab runs` shows in columns of their own
OWN_COLUMNS = ("dataset", "model")


@dataclass(frozen=True)
class SettingColumns:
    keys: list[str]  # the differing settings shown, in column order
    hidden: list[str] = field(default_factory=list)  # differing too, beyond the limit


def run_settings(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The flattened configuration of one run-index entry (empty option tables dropped: an
    empty `model_options` says no more than an absent one)."""
    config = entry.get("config")
    if not config and entry.get("run_dir"):
        path = Path(entry["run_dir"]) / CONFIG_FILE
        try:
            config = read_json_object(path) if path.is_file() else {}
        except (DataError, OSError):
            config = {}
    flat = flatten(config or {})
    return {key: value for key, value in flat.items() if value != {}}


def _comparable(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def differing_settings(
    settings: list[Mapping[str, Any]],
    *,
    limit: int = MAX_COLUMNS,
    skip: Iterable[str] = OWN_COLUMNS,
) -> SettingColumns:
    """The keys whose values are not the same in every run of `settings`, at most `limit`
    of them as columns (see the module's docstring for their order)."""
    if len(settings) < 2:
        return SettingColumns([])
    skipped = set(skip)
    keys = [k for k in dict.fromkeys(k for s in settings for k in s) if k not in skipped]
    differing = []
    for key in keys:
        values = {_comparable(s[key]) if key in s else ABSENT for s in settings}
        if len(values) > 1:
            differing.append(key)

    def rank(key: str) -> int:
        if key.split(".")[0] in WHERE_KEYS:
            return 2
        return 0 if all(key in s for s in settings) else 1

    differing.sort(key=rank)  # stable: within a rank, the order of the configs
    return SettingColumns(differing[:limit], differing[limit:])


def setting_cell(settings: Mapping[str, Any], key: str) -> str:
    """One cell: the value short and plain ("-" where the run has no such setting)."""
    if key not in settings:
        return ABSENT
    value = settings[key]
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"), default=str)
    return str(value)
