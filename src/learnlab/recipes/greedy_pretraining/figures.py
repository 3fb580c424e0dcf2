"""The greedy-pretraining figure, drawn from stored data: each seed's test error per method
with the mean, and the mean validation error after every epoch (the learning curves)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure


def _mean_curve(curves: Sequence[Sequence[float | None]]) -> list[float]:
    """The mean over seeds at each epoch (NaN where the phase has no classification error)."""
    import math

    return [
        math.nan if any(v is None for v in column) else 100 * sum(column) / len(column)
        for column in zip(*curves, strict=True)
    ]


def greedy_figure(
    *,
    test_errors: Mapping[str, Sequence[float]],
    curves: Mapping[str, Sequence[Sequence[float | None]]],
    pretrain_epochs: int,
) -> Figure:
    import numpy as np

    from learnlab.report.plots import new_figure

    fig = new_figure(11, 4)
    left = fig.add_subplot(1, 2, 1)
    for i, errors in enumerate(test_errors.values()):
        values = 100 * np.array(errors)
        jitter = np.random.default_rng(i).uniform(-0.08, 0.08, len(values))
        left.scatter(i + jitter, values, s=16, alpha=0.7)
        left.errorbar(
            i + 0.2,
            values.mean(),
            yerr=values.std(ddof=1) if len(values) > 1 else 0,
            fmt="o",
            color="black",
            capsize=4,
        )
    left.set_xticks(range(len(test_errors)), list(test_errors))
    left.set_ylabel("test error (%)")
    left.set_title("each seed (dots), mean and std (black)")
    right = fig.add_subplot(1, 2, 2)
    for method, method_curves in curves.items():
        mean = _mean_curve(method_curves)
        right.plot(range(1, len(mean) + 1), mean, marker=".", label=method)
    right.axvline(pretrain_epochs + 0.5, color="grey", linestyle=":", label="fine-tuning starts")
    right.set_xlabel("epoch (passes over the training data, all phases)")
    right.set_ylabel("validation error (%), mean over seeds")
    right.set_title("learning curves (pre-training: the temporary network's error)")
    right.legend(fontsize=8)
    return fig
