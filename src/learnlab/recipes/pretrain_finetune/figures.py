"""The pretrain-finetune figure, drawn from stored data: a score (test error, or accuracy)
against the number of labels, each seed a dot, the mean with its standard deviation, one line
per method."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure


def label_budget_figure(
    *,
    label_counts: Sequence[int],
    errors: Mapping[str, Sequence[Sequence[float]]],
    ylabel: str = "test error (%)",
    xlabel: str = "labelled training images",
    title: str = "MNIST: fine-tuning a denoising autoencoder's encoder vs from scratch",
    reference: tuple[str, float] | None = None,
) -> Figure:
    """`errors[method][i]`: the scores (fractions) of every seed at `label_counts[i]`;
    `reference`: a named constant drawn as a dashed line (e.g. the majority-class rate)."""
    import numpy as np

    from learnlab.report.plots import new_figure

    fig = new_figure(6, 4.2)
    ax = fig.add_subplot(1, 1, 1)
    # each method a little apart along x, so that the seeds' dots do not hide each other
    offsets = np.linspace(0.97, 1.03, len(errors)) if len(errors) > 1 else [1.0]
    for offset, (method, per_count) in zip(offsets, errors.items(), strict=True):
        values = [100 * np.asarray(v, dtype=float) for v in per_count]
        xs = np.asarray(label_counts, dtype=float) * offset
        means = [v.mean() for v in values]
        stds = [v.std(ddof=1) if len(v) > 1 else 0.0 for v in values]
        line = ax.errorbar(xs, means, yerr=stds, marker="o", capsize=4, label=method)
        for x, v in zip(xs, values, strict=True):
            ax.scatter([x] * len(v), v, s=10, alpha=0.5, color=line[0].get_color())
    if reference is not None:
        ax.axhline(100 * reference[1], linestyle="--", color="grey", label=reference[0])
    ax.set_xscale("log")
    ax.minorticks_off()  # the log axis would label 60, 200... between the counts
    ax.set_xticks(list(label_counts), [str(c) for c in label_counts])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    return fig
