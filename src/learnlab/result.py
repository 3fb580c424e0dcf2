"""What an experiment hands back: a `Result`, which one writer turns into a run directory, an
index entry and a report (`learnlab.report.publish`).

A Result is data only: summary scalars, tables (lists of row dicts), figures as data plus the
function that draws them (`FigureSpec`), notes, the per-epoch history, the configuration, and
optionally trained weights and output tensors. Because a figure is stored as its data and the
dotted name of its drawing function, `learnlab report RUN` redraws every figure from the run
directory alone, and the first report (drawn from the files just written) and any rebuilt one
are the same bytes.

A recipe made of parts returns a parent Result whose `parts` are Results of their own; each is
written to a subdirectory of the parent's run directory (`learnlab.recipes.context`).

Example:
    >>> from learnlab.report.figures import line_figure
    >>> result = Result(
    ...     kind="demo",
    ...     title="A demo",
    ...     summary={"test_accuracy": 0.5},
    ...     tables={"scores": [{"model": "chance", "accuracy": 0.5}]},
    ...     figures=[FigureSpec("a line", line_figure, {"series": {"y": [[0, 1], [0, 1]]}})],
    ... )
    >>> result.figures[0].draw_name
    'learnlab.report.figures:line_figure'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from torch import Tensor, nn

# Modules whose functions may draw a stored figure: `learnlab report` imports the module a run
# names, so a run directory from elsewhere can only name learnlab's own code.
DRAW_MODULE_PREFIX = "learnlab."


def draw_name(function: Callable[..., Any]) -> str:
    """`module:qualname` of a module-level drawing function of learnlab; anything else (a
    lambda, a nested function, another package's function) is a ValueError that says why."""
    module = getattr(function, "__module__", "") or ""
    qualname = getattr(function, "__qualname__", "") or ""
    if not module.startswith(DRAW_MODULE_PREFIX) or "<" in qualname or "." in qualname:
        raise ValueError(
            f"figure drawing function {module}:{qualname} must be a module-level function of a "
            f"module under {DRAW_MODULE_PREFIX[:-1]} (the report imports it by name to redraw "
            "the figure from the run directory); move it to such a module."
        )
    return f"{module}:{qualname}"


@dataclass(frozen=True)
class FigureSpec:
    """One figure as data: `draw(**data)` returns a matplotlib Figure.

    `data` values are JSON values (numbers, strings, lists, dicts) or tensors/arrays (stored in
    figures.safetensors and handed back to `draw` as CPU tensors)."""

    title: str
    draw: Callable[..., Any]
    data: Mapping[str, Any] = field(default_factory=dict)
    caption: str = ""

    def __post_init__(self) -> None:
        draw_name(self.draw)  # refused now, not when the report is drawn

    @property
    def draw_name(self) -> str:
        return draw_name(self.draw)


@dataclass(frozen=True)
class SavedModel:
    """Trained weights to store as `<name>.safetensors`, with how to rebuild the model (the
    header `learnlab.models.saved.load_model` reads: model, options, input_shape, num_outputs,
    and whatever else the caller records, such as the normalisation)."""

    module: nn.Module
    info: Mapping[str, Any]


@dataclass
class Result:
    """Everything one run (or one part of a run) produced.

    kind: what ran (a recipe's name, or "train"): the run index's `kind`.
    title, notes: the report's heading and the sentences under it.
    summary: flat scalars for summary.json (test_accuracy, seconds, ...).
    tables: title -> rows (dicts; columns are the union of their keys, in order).
    figures: the report's figures, in order.
    history: one record per epoch (metrics.jsonl); may be empty.
    config: the resolved configuration (config.json).
    models: file stem -> weights to store ("model" is model.safetensors).
    outputs, outputs_info: tensors for outputs.safetensors (test labels and probabilities, the
        loss at every step...) and its JSON metadata (steps_per_epoch...).
    index: extra fields of the run-index row (dataset, model, a headline metric).
    headline: the console line printed when the run is written.
    parts: named sub-results, each its own run directory under this one.
    report: whether this run gets a report.html of its own; a part without one (a learning
        curve's points, say) still shows its tables and figures in its parent's page.
    """

    kind: str
    title: str
    summary: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    figures: list[FigureSpec] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    models: dict[str, SavedModel] = field(default_factory=dict)
    outputs: dict[str, Tensor] = field(default_factory=dict)
    outputs_info: dict[str, Any] = field(default_factory=dict)
    index: dict[str, Any] = field(default_factory=dict)
    headline: str = ""
    parts: dict[str, Result] = field(default_factory=dict)
    report: bool = True

    def add_part(self, name: str, part: Result, *, merge_summary: bool = True) -> Result:
        """Attach `part` under `name`; with `merge_summary`, its summary keys join this one's
        (a repeated key is an error: parts prefix their keys)."""
        if name in self.parts:
            raise ValueError(f"part {name!r} is already attached")
        if merge_summary:
            clash = sorted(set(part.summary) & set(self.summary))
            if clash:
                raise ValueError(f"part {name!r} repeats summary keys {clash}")
            self.summary.update(part.summary)
        self.parts[name] = part
        return part


def percent(value: float, digits: int = 1) -> str:
    """0.9283 -> '92.8%': how tables show an accuracy or a fraction."""
    if not math.isfinite(value):
        return str(value)
    return f"{100 * value:.{digits}f}%"
