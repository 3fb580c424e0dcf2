"""The distillation recipe's figures, drawn from stored data (so `learnlab report` redraws
them): test errors beside the paper's, and the omitted class's bias shift."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure


def errors_figure(
    *,
    labels: Sequence[str],
    paper: Sequence[float],
    ours: Sequence[float],
    low: Sequence[float],
    high: Sequence[float],
) -> Figure:
    """Test errors (out of 10,000) of each network: the paper's and ours (mean; the bar from
    the lowest to the highest seed)."""
    from learnlab.report.plots import new_figure

    fig = new_figure(8, 3.6)
    ax = fig.add_subplot(1, 1, 1)
    positions = list(range(len(labels)))
    ax.bar([p - 0.2 for p in positions], paper, 0.4, label="paper", color="C7")
    spread = [[o - lo for o, lo in zip(ours, low, strict=True)]]
    spread.append([hi - o for o, hi in zip(ours, high, strict=True)])
    ax.bar([p + 0.2 for p in positions], ours, 0.4, yerr=spread, capsize=3, label="ours")
    ax.set_xticks(positions, labels, fontsize=8)
    ax.set_ylabel("test errors (of 10,000)")
    ax.legend(fontsize=8)
    return fig


def shift_figure(
    *,
    shifts: Sequence[float],
    validation: Sequence[float],
    test: Sequence[float],
    test_digit: Sequence[float],
    chosen: float,
    paper_shift: float,
    digit: int,
) -> Figure:
    """Error rates (%) of the digit-omitted student against the shift added to the omitted
    class's bias: on the validation images (which choose it) and on the test set."""
    from learnlab.report.plots import new_figure

    fig = new_figure(7, 3.6)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(shifts, validation, "C0-", label="validation images, all digits")
    ax.plot(shifts, test, "C1-", label="test set, all digits")
    ax.plot(shifts, test_digit, "C1:", label=f"test set, the {digit}s")
    ax.axvline(chosen, color="C0", linestyle="--", linewidth=0.8, label=f"chosen: {chosen:g}")
    ax.axvline(paper_shift, color="gray", linestyle=":", linewidth=0.8, label="paper: 3.5")
    ax.set_yscale("log")
    ax.set_xlabel(f"shift added to the bias of class {digit}")
    ax.set_ylabel("error rate (%)")
    ax.legend(fontsize=8)
    return fig
