"""What each experiment of the moe-cascade recipe hands back to the recipe, which puts them all
into one summary.json and one report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class PartResult:
    """One experiment's outcome.

    `summary`: scalars for summary.json, keys prefixed by the part (e.g. `moe_topk_test_accuracy`);
    `tables`: report tables, title -> rows; `figures`: report figures, title -> matplotlib Figure;
    `notes`: sentences for the report (what was run, what it shows, targets met or not)."""

    summary: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
