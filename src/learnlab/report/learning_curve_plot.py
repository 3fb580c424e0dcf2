"""The learning-curve figure: measured error against training-set size on log-log axes, the
fitted power law a n^-b + c extended to the data needed for a target error, the asymptote c
and the target as horizontal lines."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from learnlab.analysis.learning_curve import PowerLawFit


def learning_curve_figure(
    sizes: list[int],
    errors: list[float],
    fit: PowerLawFit,
    *,
    target_error: float | None = None,
    other_errors: dict[str, list[float]] | None = None,
    error_name: str = "validation error",
) -> Figure:
    """Points as measured, the fit as a line; `other_errors` (e.g. test error) as extra,
    unfitted series."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.5, 4.0), layout="constrained")  # no pyplot: see report/plots.py
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    n = np.asarray(sizes, dtype=float)
    right = n.max() * 4
    needed = fit.size_for_error(target_error) if target_error is not None else math.inf
    if math.isfinite(needed):
        right = max(right, needed * 1.5)
    right = min(right, n.max() * 1e4)  # a target far away would squash the measured points
    grid = np.geomspace(n.min() / 1.5, right, 200)
    label = f"fit {fit.a:.3g} n^-{fit.b:.3g} + {fit.c:.3g}"
    ax.plot(grid, fit.error_at(grid), color="tab:blue", linewidth=1.5, label=label)
    ax.plot(n, errors, "o", color="tab:blue", label=f"{error_name} (fitted)")
    for (name, values), marker in zip((other_errors or {}).items(), "s^vD", strict=False):
        ax.plot(n, values, marker, color="tab:gray", fillstyle="none", label=name)
    if fit.c > 0:
        ax.axhline(fit.c, color="tab:blue", linestyle=":", linewidth=1, label="asymptote c")
    if target_error is not None:
        ax.axhline(target_error, color="tab:red", linestyle="--", linewidth=1, label="target")
        if math.isfinite(needed) and needed <= right:
            ax.axvline(needed, color="tab:red", linestyle=":", linewidth=1)
            ax.annotate(
                f"n = {needed:,.0f}",
                (needed, target_error),
                textcoords="offset points",
                xytext=(4, 6),
                color="tab:red",
                fontsize="small",
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training examples n")
    ax.set_ylabel("error")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    return fig
