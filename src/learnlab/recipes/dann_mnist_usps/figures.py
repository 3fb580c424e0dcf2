"""dann-mnist-usps's figure, drawn from stored data (so `learnlab report` redraws it): USPS
test accuracy of each method, mean with one standard deviation and each seed as a dot, and
the accuracies of ADDA's Table 2 beside them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure


def accuracy_figure(
    *,
    labels: Sequence[str],
    seeds: Sequence[Sequence[float]],
    paper: Mapping[str, float],
) -> Figure:
    """`seeds[i]`: the accuracies (%) of method labels[i], one per seed; `paper`: the paper's
    accuracies (%) by label (a label of its own for a method we do not run)."""
    import statistics

    from learnlab.report.plots import new_figure

    fig = new_figure(6.0, 4.0)
    ax = fig.subplots()
    names = list(labels) + [name for name in paper if name not in labels]
    for i, values in enumerate(seeds):
        std = statistics.stdev(values) if len(values) > 1 else 0.0
        ax.bar(i - 0.2, statistics.fmean(values), 0.4, yerr=std, capsize=4, color="C0",
               label="measured (mean, std)" if i == 0 else None)  # fmt: skip
        ax.plot([i - 0.2] * len(values), values, "k.", ms=4)
    for j, name in enumerate(names):
        if name in paper:
            ax.bar(j + 0.2, paper[name], 0.4, color="C1", label="ADDA, Table 2" if j == 0 else None)
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel("USPS test accuracy (%)")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8, loc="lower right")
    return fig
