"""The hogwild-mnist figure, drawn from stored data (so `learnlab report` redraws it): test
error (log scale, where the late differences show) against examples processed and against
wall seconds, one colour per method, one line per seed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure


def convergence_figure(*, curves: Mapping[str, Sequence[Sequence[Sequence[float]]]]) -> Figure:
    """`curves[method]` holds one curve per seed, each [(examples, seconds, accuracy), ...]."""
    from learnlab.recipes.hogwild_mnist.config import method_label
    from learnlab.report.plots import new_figure

    fig = new_figure(10, 3.8)
    by_examples, by_seconds = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    for colour, (method, seeds) in enumerate(curves.items()):
        for number, curve in enumerate(seeds):
            examples, seconds, accuracy = zip(*curve, strict=True)
            error = [100 * (1 - a) for a in accuracy]
            label = method_label(method) if number == 0 else None
            style = {"color": f"C{colour}", "marker": "o", "ms": 2, "lw": 1, "label": label}
            by_examples.plot(examples, error, **style)
            by_seconds.plot(seconds, error, **style)
    for ax, label in ((by_examples, "examples processed"), (by_seconds, "wall seconds")):
        ax.set_xlabel(label)
        ax.set_ylabel("test error (%)")
        ax.set_yscale("log")
        ax.grid(alpha=0.3, which="both")
    by_examples.legend(fontsize=8)
    return fig
