"""The optimizer race's figures, drawn from stored data (so `learnlab report` redraws them):
the training objective per problem against iterations or wall time, and iterations to a
tolerance against the condition number beside the theory."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure

# f - f* is drawn on a log scale: exact zeros at this floor
GAP_FLOOR = 1e-16


def race_figure(
    *,
    problems: Sequence[Mapping],
    curves: Mapping[str, Sequence[float | None]],
    seconds: Mapping[str, Sequence[float]],
    axis: str,
) -> Figure:
    """One panel per problem: each optimizer's objective (f - f* where f* is known) against
    iterations (`axis` "iterations") or training seconds ("seconds"), log scales.
    `curves[f"{problem}/{optimizer}"]` holds the objective at iteration 0, 1, ... (None where
    a run diverged)."""
    import numpy as np

    from learnlab.report.plots import new_figure

    fig = new_figure(4.2 * len(problems), 3.8)
    for i, problem in enumerate(problems):
        ax = fig.add_subplot(1, len(problems), i + 1)
        for optimizer in problem["optimizers"]:
            key = f"{problem['name']}/{optimizer}"
            values = np.array(curves[key], dtype=float)
            if problem["optimum"] is not None:
                values = np.clip(values - problem["optimum"], GAP_FLOOR, None)
            x = (
                np.arange(len(values))
                if axis == "iterations"
                else np.array(seconds[key], dtype=float)
            )
            keep = np.isfinite(values) & (x > 0 if axis == "seconds" else True)
            ax.plot(x[keep], values[keep], label=optimizer, linewidth=1.2)
        ax.set_yscale("log")
        if axis == "seconds":
            ax.set_xscale("log")
        ax.set_title(problem["title"], fontsize=9)
        ax.set_xlabel(problem["x_label"] if axis == "iterations" else "training seconds")
        ax.set_ylabel("f - f*" if problem["optimum"] is not None else "training objective f")
        ax.legend(fontsize=7)
    return fig


def conditioning_figure(
    *,
    kappas: Sequence[float],
    iterations: Mapping[str, Sequence[int]],
    theory: Mapping[str, Sequence[float]],
    slopes: Mapping[str, float],
) -> Figure:
    """Log-log: measured iterations to the tolerance per kappa (points, fitted slope in the
    legend) and the theory's ln(1/tol) / ln(1/rho) (dashed)."""
    from learnlab.report.plots import new_figure

    fig = new_figure(6, 4)
    ax = fig.add_subplot(1, 1, 1)
    for method, counts in iterations.items():
        (line,) = ax.plot(
            kappas, counts, "o-", label=f"{method}: measured, slope {slopes[method]:.2f}"
        )
        ax.plot(
            kappas,
            theory[method],
            "--",
            color=line.get_color(),
            label=f"{method}: theory ({'kappa' if 'descent' in method else 'sqrt(kappa)'})",
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("condition number kappa")
    ax.set_ylabel("iterations to the tolerance")
    ax.legend(fontsize=8)
    return fig
