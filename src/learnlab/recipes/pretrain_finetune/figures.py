"""The pretrain-finetune figure, drawn from stored data: test error against the number of
labels, each seed a dot, the mean with its standard deviation, one line per method."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure


def label_budget_figure(
    *, label_counts: Sequence[int], errors: Mapping[str, Sequence[Sequence[float]]]
) -> Figure:
    """`errors[method][i]`: the test errors of every seed at `label_counts[i]`."""
    import numpy as np

    from learnlab.report.plots import new_figure

    fig = new_figure(6, 4.2)
    ax = fig.add_subplot(1, 1, 1)
    for offset, (method, per_count) in zip((0.97, 1.03), errors.items(), strict=False):
        values = [100 * np.asarray(v, dtype=float) for v in per_count]
        xs = np.asarray(label_counts, dtype=float) * offset
        means = [v.mean() for v in values]
        stds = [v.std(ddof=1) if len(v) > 1 else 0.0 for v in values]
        line = ax.errorbar(xs, means, yerr=stds, marker="o", capsize=4, label=method)
        for x, v in zip(xs, values, strict=True):
            ax.scatter([x] * len(v), v, s=10, alpha=0.5, color=line[0].get_color())
    ax.set_xscale("log")
    ax.set_xticks(list(label_counts), [str(c) for c in label_counts])
    ax.set_xlabel("labelled training images")
    ax.set_ylabel("test error (%)")
    ax.set_title("MNIST: fine-tuning a denoising autoencoder's encoder vs from scratch")
    ax.legend()
    return fig
