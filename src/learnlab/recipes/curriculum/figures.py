"""The curriculum recipe's figure, drawn from stored data (so `learnlab report` redraws it):
the validation error against steps per method, and every seed's test error per method."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure


def curriculum_figure(
    *,
    methods: Sequence[str],
    steps: Sequence[int],
    val_curves: Sequence[Sequence[Sequence[float]]],
    test_errors: Sequence[Sequence[float]],
) -> Figure:
    """Left: the mean validation error (band: lowest to highest seed) against steps;
    `val_curves[m][s]` is method m's curve for seed s. Right: the test errors, one point per
    seed and a bar at the mean."""
    import numpy as np

    from learnlab.report.plots import new_figure

    fig = new_figure(10, 3.8)
    left = fig.add_subplot(1, 2, 1)
    for method, curves in zip(methods, val_curves, strict=True):
        values = 100 * np.asarray(curves, dtype=float)
        (line,) = left.plot(steps, values.mean(0), marker="o", markersize=3, label=method)
        left.fill_between(steps, values.min(0), values.max(0), color=line.get_color(), alpha=0.15)
    left.set_xlabel("training step")
    left.set_ylabel("validation error (%)")
    left.legend(fontsize=8)
    right = fig.add_subplot(1, 2, 2)
    positions = np.arange(len(methods))
    for i, errors in enumerate(test_errors):
        values = 100 * np.asarray(errors, dtype=float)
        right.bar(i, values.mean(), color="lightgray", width=0.6)
        jitter = np.linspace(-0.15, 0.15, len(values)) if len(values) > 1 else np.zeros(1)
        right.scatter(i + jitter, values, s=14, color="tab:blue", zorder=3)
    right.set_xticks(positions, list(methods), rotation=15)
    right.set_ylabel("test error (%)")
    low = min(min(e) for e in test_errors) * 100
    right.set_ylim(max(0.0, low - 2), None)
    return fig
