"""The large-batch recipe's figures, drawn from stored data (so `learnlab report` redraws
them): the sharpness and test accuracy of the two minima, and the loss along the line through
them (Keskar et al.'s figure 3)."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure


def sharpness_figure(
    *,
    labels: Sequence[str],
    small: Sequence[float],
    large: Sequence[float],
    test_accuracy: Sequence[float],
    batches: Sequence[int | str] = ("small", "large"),
) -> Figure:
    """Left: the sharpness of each minimum for each (space, eps), log scale; right: their test
    accuracies; `batches`: the two batch sizes (small, large)."""
    from learnlab.report.plots import new_figure

    fig = new_figure(10, 3.6)
    left, right = fig.subplots(1, 2, width_ratios=[3, 1])
    positions = list(range(len(labels)))
    left.bar([p - 0.2 for p in positions], small, 0.4, label=f"batch {batches[0]}")
    left.bar([p + 0.2 for p in positions], large, 0.4, label=f"batch {batches[1]}")
    left.set_xticks(positions, labels, fontsize=8)
    left.set_yscale("log")
    left.set_ylabel("sharpness (Keskar et al., eq. 3)")
    left.legend(fontsize=8)
    right.bar([0, 1], [100 * a for a in test_accuracy], color=["C0", "C1"])
    right.set_xticks([0, 1], ["small", "large"])
    low = min(100 * a for a in test_accuracy)
    right.set_ylim(max(0.0, low - 1.0), 100.0)
    right.set_ylabel("test accuracy (%)")
    return fig


def interpolation_figure(
    *,
    alpha: Sequence[float],
    train_loss: Sequence[float],
    test_loss: Sequence[float],
    train_acc: Sequence[float],
    test_acc: Sequence[float],
) -> Figure:
    """Cross-entropy (left axis, log) and accuracy (right axis) along (1 - a) x_SB + a x_LB."""
    from learnlab.report.plots import new_figure

    fig = new_figure(7, 3.6)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(alpha, train_loss, "C0-", label="loss, training subset")
    ax.plot(alpha, test_loss, "C0--", label="loss, test")
    ax.set_yscale("log")
    ax.set_xlabel("a (0: small-batch solution, 1: large-batch solution)")
    ax.set_ylabel("cross-entropy", color="C0")
    right = ax.twinx()
    right.plot(alpha, [100 * a for a in train_acc], "C1-", label="accuracy, training subset")
    right.plot(alpha, [100 * a for a in test_acc], "C1--", label="accuracy, test")
    right.set_ylabel("accuracy (%)", color="C1")
    for x in (0, 1):
        ax.axvline(x, color="gray", linewidth=0.8, linestyle=":")
    lines = ax.get_lines()[:2] + right.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], fontsize=8, loc="center left")
    return fig
