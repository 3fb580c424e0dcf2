"""The random-labels figures, drawn from stored data (so `learnlab report` redraws them), in the
shape of Zhang et al.'s Figure 1: (a) training loss against steps per variant, (b) steps to
reach the target training accuracy against the fraction of random labels, (c) test error
against that fraction."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure


def memorization_figure(
    *,
    curves: dict[str, dict[str, list[float]]],
    fractions: Sequence[float],
    steps_to_target: Sequence[int],
    reached: Sequence[bool],
    test_error: Sequence[float],
    target: float,
) -> Figure:
    """`curves`: variant name -> {"steps": [...], "losses": [...]}; the other sequences are
    per label fraction (a run that did not reach the target is drawn hollow)."""
    from learnlab.report.plots import new_figure

    fig = new_figure(13, 3.8)
    ax = fig.add_subplot(1, 3, 1)
    for name, curve in curves.items():
        ax.plot([s / 1000 for s in curve["steps"]], curve["losses"], label=name)
    ax.set_xlabel("thousand steps")
    ax.set_ylabel("average training loss (epoch)")
    ax.set_title("(a) learning curves")
    ax.legend(fontsize=7)
    middle = fig.add_subplot(1, 3, 2)
    middle.plot(fractions, [s / 1000 for s in steps_to_target], color="tab:blue")
    for f, s, ok in zip(fractions, steps_to_target, reached, strict=True):
        middle.scatter(
            f, s / 1000, color="tab:blue", facecolors="tab:blue" if ok else "none", zorder=3
        )
    middle.set_xlabel("label corruption")
    middle.set_ylabel(f"thousand steps to {target:.0%} train accuracy")
    middle.set_title("(b) convergence slowdown")
    right = fig.add_subplot(1, 3, 3)
    right.plot(fractions, [100 * e for e in test_error], marker="o", color="tab:red")
    right.axhline(90, color="black", linestyle="--", linewidth=0.8, label="chance (90%)")
    right.set_ylim(0, 100)
    right.set_xlabel("label corruption")
    right.set_ylabel("test error (%)")
    right.set_title("(c) generalization error growth")
    right.legend(fontsize=8)
    return fig
