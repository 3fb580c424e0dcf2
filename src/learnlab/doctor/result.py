"""What a check returns (`CheckResult`) and what the doctor returns (`DoctorReport`).

A check ends in one of three states: "pass" (nothing to act on), "warn" (worth a look, training
may still work) or "fail" (training as configured will not work, or its results cannot be
trusted). The doctor's exit code is 1 when any check failed, else 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from matplotlib.figure import Figure

Status = Literal["pass", "warn", "fail"]
STATUSES: tuple[Status, ...] = ("pass", "warn", "fail")


def worst(statuses: list[Status]) -> Status:
    """The most severe of `statuses` ("pass" for none)."""
    return max(statuses, key=STATUSES.index, default="pass")


@dataclass
class CheckResult:
    """The outcome of one check.

    `summary` is one line for the console; `advice` says what to do about a warning or failure;
    `values` holds the check's key numbers (they go into doctor.json); `tables` maps a title to
    rows (one dict per row); `figures` maps a caption to a matplotlib figure (HTML only).
    """

    name: str
    status: Status
    summary: str
    advice: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")

    def to_json(self) -> dict[str, Any]:
        """Everything but the figures, as JSON-ready values (non-finite floats as strings)."""
        return {
            "name": self.name,
            "status": self.status,
            "summary": self.summary,
            "advice": list(self.advice),
            "values": json_ready(self.values),
            "tables": json_ready(self.tables),
            "seconds": round(self.seconds, 3),
        }


@dataclass
class DoctorReport:
    """The results of the checks that ran, in the order they ran."""

    results: list[CheckResult]

    @property
    def status(self) -> Status:
        return worst([r.status for r in self.results])

    @property
    def exit_code(self) -> int:
        """1 when any check failed, else 0 (warnings do not fail the doctor)."""
        return 1 if self.status == "fail" else 0

    def __getitem__(self, name: str) -> CheckResult:
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(f"no check {name!r} ran; ran: {', '.join(r.name for r in self.results)}")

    def counts(self) -> dict[Status, int]:
        return {s: sum(r.status == s for r in self.results) for s in STATUSES}

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "exit_code": self.exit_code,
            "counts": self.counts(),
            "checks": [r.to_json() for r in self.results],
        }


def json_ready(value: Any) -> Any:
    """`value` with tensors and numpy scalars as Python values and NaN/inf as strings, so that
    `json.dumps` writes strict JSON."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value
