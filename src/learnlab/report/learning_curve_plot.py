"""The learning-curve figure: measured error against training-set size on log-log axes, the
fitted power law a n^-b + c extended to the data needed for a target error, the asymptote c
and the target as horizontal lines. An ill-determined fit (`PowerLawFit.problems`: given the
standard errors in `fit`) is drawn grey and dashed over the measured sizes only, labelled
with its uncertainty, without asymptote or data needed: it is no extrapolation.

It draws from plain data (the sizes, the errors, the fitted a, b, c), so a stored figure
(`learnlab.result.FigureSpec`) is redrawn by `learnlab report` from the run directory.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def learning_curve_figure(
    *,
    sizes: Sequence[int],
    errors: Sequence[float],
    fit: Mapping[str, float],
    target_error: float | None = None,
    other_errors: Mapping[str, Sequence[float]] | None = None,
    error_name: str = "validation error",
) -> Figure:
    """Points as measured, the fit ({"a", "b", "c"} of err(n) = a n^-b + c, and where given
    their standard errors "a_stderr", "b_stderr", "c_stderr") as a line; `other_errors` (e.g.
    test error) as extra, unfitted series."""
    import numpy as np

    from learnlab.analysis.learning_curve import PowerLawFit
    from learnlab.report.plots import new_figure

    stderrs = [fit.get(f"{p}_stderr", math.nan) for p in "abc"]
    law = PowerLawFit(fit["a"], fit["b"], fit["c"], *stderrs, rmse=math.nan)
    # a figure stored without standard errors (older runs) is drawn as it was
    doubtful = "b_stderr" in fit and law.ill_determined
    fig = new_figure(6.5, 4.0)
    ax = fig.add_subplot()
    n = np.asarray(sizes, dtype=float)
    right = n.max() * 4
    needed = law.size_for_error(target_error) if target_error is not None else math.inf
    if doubtful:
        right, needed = n.max() * 1.5, math.inf
    elif math.isfinite(needed):
        right = max(right, needed * 1.5)
    right = min(right, n.max() * 1e4)  # a target far away would squash the measured points
    grid = np.geomspace(n.min() / 1.5, right, 200)
    if doubtful:
        label = f"ill-determined fit:\n{law.describe()}"
        style = {"color": "0.5", "linestyle": "--", "linewidth": 1.2}
        ax.set_title("ill-determined fit: no extrapolation", color="#cf222e", fontsize="medium")
    else:
        label = f"fit {law.a:.3g} n^-{law.b:.3g} + {law.c:.3g}"
        style = {"color": "tab:blue", "linewidth": 1.5}
    ax.plot(grid, law.error_at(grid), label=label, **style)
    ax.plot(n, list(errors), "o", color="tab:blue", label=f"{error_name} (fitted)")
    for (name, values), marker in zip((other_errors or {}).items(), "s^vD", strict=False):
        ax.plot(n, list(values), marker, color="tab:gray", fillstyle="none", label=name)
    if law.c > 0 and not doubtful:
        ax.axhline(law.c, color="tab:blue", linestyle=":", linewidth=1, label="asymptote c")
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
