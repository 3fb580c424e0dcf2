"""The pretraining-variance figure, drawn from stored data: histograms of the seeds' test
errors with and without pre-training (as Erhan et al.'s Figure 2), and the test errors of the
runs that differ only in the order of their first examples."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure


def variance_figure(
    *,
    with_pretraining: Sequence[float],
    without_pretraining: Sequence[float],
    early_with: Sequence[float],
    early_without: Sequence[float],
    first_examples: int,
) -> Figure:
    import numpy as np

    from learnlab.report.plots import new_figure

    fig = new_figure(10, 3.8)
    ax = fig.add_subplot(1, 2, 1)
    both = 100 * np.array([*with_pretraining, *without_pretraining])
    bins = np.linspace(both.min(), both.max(), 25) if both.max() > both.min() else 10
    ax.hist(100 * np.array(without_pretraining), bins=bins, alpha=0.6, label="without pre-training")
    ax.hist(100 * np.array(with_pretraining), bins=bins, alpha=0.6, label="with pre-training")
    ax.set_xlabel("test error (%)")
    ax.set_ylabel(f"networks (of {len(with_pretraining)} seeds each)")
    ax.set_title("one network per seed")
    ax.legend(fontsize=8)
    right = fig.add_subplot(1, 2, 2)
    for i, (name, errors) in enumerate(
        (("without pre-training", early_without), ("with pre-training", early_with))
    ):
        values = 100 * np.array(errors)
        jitter = np.random.default_rng(i).uniform(-0.1, 0.1, len(values))
        right.scatter(i + jitter, values, s=14, alpha=0.7, label=name)
    right.set_xticks([0, 1], ["without", "with"])
    right.set_ylabel("test error (%)")
    right.set_title(f"one seed, order of the first {first_examples} examples changed")
    return fig
