"""One experiment run with several seeds: how their summaries become one.

A number measured once says little about a method: another seed (another initialisation,
another order of the batches) moves it by about as much as many of the differences one
would like to claim. So a reproduction runs its training several times, seeds `seed`,
`seed + 1`, ... (each a part of the recipe, `ctx.train`, so that `--resume` keeps the
finished ones), and reports the mean with the spread beside it.

`combine_seeds(summaries)` gives the recipe's summary: every measured number (a float) is the
mean over the seeds, `train_seconds` is their total, the rest is the first seed's; so one seed
gives exactly that seed's summary. `spread_keys(key, values)` adds the spread of one number
(`<key>_std`, the sample standard deviation, from two seeds on; `<key>_min`, `<key>_max`), and
`read_spread(summary, key)` reads it back for a reproduction's table.

Example:
    >>> combine_seeds([{"test_accuracy": 0.99, "seed": 0}, {"test_accuracy": 0.98, "seed": 1}])
    {'test_accuracy': 0.985, 'seed': 0, 'seeds': 2}
    >>> spread_keys("test_error", [1.0, 2.0])
    {'test_error_std': 0.7071067811865476, 'test_error_min': 1.0, 'test_error_max': 2.0}
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from typing import Any

from learnlab.recipes.paper import Spread

# summed over the seeds, not averaged: what the runs cost together (a time limit is about it)
TOTAL_KEYS = frozenset({"train_seconds"})


def seed_values(first: int, count: int) -> list[int]:
    return list(range(first, first + count))


def _measured(value: Any) -> bool:
    return isinstance(value, float)  # bools and ints (epochs, parameters, seed) are not


def combine_seeds(summaries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One summary for several seeds' runs (keys in the first run's order, then `seeds`)."""
    if not summaries:
        raise ValueError("combine_seeds needs at least one seed's summary")
    combined: dict[str, Any] = {}
    for key, first in summaries[0].items():
        values = [summary.get(key) for summary in summaries]
        if not all(_measured(v) for v in values):
            combined[key] = first
        elif key in TOTAL_KEYS:
            combined[key] = sum(values)
        else:
            combined[key] = statistics.fmean(values)
    statuses = [s.get("status") for s in summaries if s.get("status") != "completed"]
    if "status" in combined and statuses:
        combined["status"] = statuses[0]  # a seed that stopped early says so for all
    combined["seeds"] = len(summaries)
    return combined


def spread_keys(key: str, values: Sequence[float]) -> dict[str, float]:
    """`<key>_std` (from two values on), `<key>_min` and `<key>_max` of `values`."""
    spread = {f"{key}_std": statistics.stdev(values)} if len(values) > 1 else {}
    return {**spread, f"{key}_min": min(values), f"{key}_max": max(values)}


def read_spread(summary: dict[str, Any], key: str) -> Spread | None:
    """The spread of `key` that `spread_keys` recorded in `summary` (None if it did not)."""
    if f"{key}_min" not in summary:
        return None
    return Spread(
        std=summary.get(f"{key}_std"),
        low=float(summary[f"{key}_min"]),
        high=float(summary[f"{key}_max"]),
        seeds=int(summary.get("seeds", 1)),
    )


def summary_reader(key: str) -> Callable[[dict[str, Any]], float]:
    """A claim's `measure`: the summary's value of `key`, as a float."""

    def measure(summary: dict[str, Any]) -> float:
        return float(summary[key])

    measure.__name__ = f"read_{key}"
    return measure


def spread_reader(key: str) -> Callable[[dict[str, Any]], Spread | None]:
    """A claim's `spread`: the spread over seeds that `spread_keys` recorded for `key`."""

    def spread(summary: dict[str, Any]) -> Spread | None:
        return read_spread(summary, key)

    spread.__name__ = f"spread_of_{key}"
    return spread


def check_seed_range(seed: int, seeds: int) -> None:
    """A ValueError (a config validator's error) when seeds `seed` to `seed + seeds - 1` go
    past the largest seed torch accepts."""
    if seed + seeds > 2**63:
        raise ValueError(
            f"seeds {seed} to {seed + seeds - 1} go past the largest seed (2**63 - 1); "
            "choose a smaller seed."
        )
