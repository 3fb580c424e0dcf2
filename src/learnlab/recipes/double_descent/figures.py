"""The double-descent figures, drawn from stored data (so `learnlab report` redraws them)."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure


def _errors_axis(ax, xs, train, test, threshold: float | None, label: str) -> None:
    ax.plot(xs, [100 * e for e in test], "o-", color="tab:red", label="test error")
    ax.plot(xs, [100 * e for e in train], "s--", color="tab:blue", label="train error")
    if threshold is not None:
        ax.axvline(threshold, color="black", linestyle=":", linewidth=1, label=label)
    ax.set_xscale("log")
    ax.set_ylabel("error (%)")
    ax.legend(fontsize=8)


def width_figure(
    *,
    widths: Sequence[int],
    train: Sequence[float],
    test: Sequence[float],
    threshold: float | None,
    label_noise: float,
) -> Figure:
    """(a) Train and test error against the hidden width H; the dotted line: the first width
    that fits its (noisy) training labels."""
    from learnlab.report.plots import new_figure

    fig = new_figure(6, 3.6)
    ax = fig.add_subplot(1, 1, 1)
    _errors_axis(ax, widths, train, test, threshold, "interpolation threshold")
    ax.set_xlabel("hidden units H (two layers)")
    ax.set_title(f"MNIST-1D, {label_noise:.0%} label noise", fontsize=9)
    return fig


def features_figure(
    *,
    counts: Sequence[int],
    train: Sequence[float],
    test: Sequence[float],
    test_sq: Sequence[float],
    norm: Sequence[float],
    n: int,
) -> Figure:
    """(b) Left: train and test zero-one error against the number of random features N, N = n
    marked. Right: test squared loss and the weights' norm (log scales)."""
    from learnlab.report.plots import new_figure

    fig = new_figure(9, 3.6)
    ax = fig.add_subplot(1, 2, 1)
    _errors_axis(ax, counts, train, test, n, "N = n")
    ax.set_xlabel("random Fourier features N")
    right = fig.add_subplot(1, 2, 2)
    right.plot(counts, test_sq, "o-", color="tab:red", label="test squared loss")
    right.plot(counts, norm, "^-", color="tab:green", label="||w||")
    right.axvline(n, color="black", linestyle=":", linewidth=1)
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("random Fourier features N")
    right.legend(fontsize=8)
    return fig
