"""Figures of classification metrics: PR and ROC curves, reliability diagram, accuracy vs
coverage. Drawn with matplotlib's object API on an Agg canvas (no pyplot state), as in
`learnlab.report.plots`; matplotlib and numpy load inside the functions.

Inputs are plain curves (tensors or arrays), computed by `learnlab.practice`:

- `ranking_curves_figure`: named (x, y) curves, e.g. per-class PR curves (thin) and pooled
  ones (thick, dashed for baselines);
- `reliability_figure`: accuracy against mean confidence per bin, with the bins' counts below;
- `coverage_figure`: selective accuracy against coverage, one step curve per predictor.

Example:
    >>> import torch
    >>> fig = ranking_curves_figure(
    ...     {"model": (torch.tensor([0.0, 0.5, 1.0]), torch.tensor([0.0, 0.9, 1.0]))}, kind="roc"
    ... )
    >>> len(fig.axes)
    1
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from learnlab.io.errors import ConfigError, DataError

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.figure import Figure

    from learnlab.metrics.calibration import ReliabilityDiagram
    from learnlab.metrics.selective import CoverageCurve

# Per-class curves get a legend entry up to this many classes; beyond, they are a grey bundle.
MAX_LABELLED_CLASSES = 10
_KINDS = {
    "pr": ("recall", "precision", "Precision-recall"),
    "roc": ("false positive rate", "true positive rate", "ROC"),
}


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _array(values: Any) -> np.ndarray:
    import numpy as np

    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=float)


def ranking_curves_figure(
    curves: dict[str, tuple[Any, Any]],
    *,
    kind: str = "pr",
    thin: set[str] | None = None,
    dashed: set[str] | None = None,
) -> Figure:
    """PR (x recall, y precision) or ROC (x fpr, y tpr) curves, one line per name.

    Names in `thin` are drawn as thin lines (per-class curves; labelled only up to 10 of
    them), names in `dashed` as dashed lines (baselines); the others thick and solid.
    PR curves are drawn as steps (precision holds until recall drops), ROC as segments.
    """
    if kind not in _KINDS:
        raise ConfigError(f"kind must be one of {sorted(_KINDS)}, got {kind!r}")
    if not curves:
        raise DataError("no curves to plot")
    thin, dashed = thin or set(), dashed or set()
    x_label, y_label, title = _KINDS[kind]
    fig = _figure(5.2, 4.4)
    ax = fig.add_subplot()
    label_thin = len(thin) <= MAX_LABELLED_CLASSES
    for name, (x, y) in curves.items():
        x, y = _array(x), _array(y)
        style: dict[str, Any] = {"linewidth": 2.0, "label": name}
        if name in thin:
            style.update(linewidth=0.8, alpha=0.6)
            if not label_thin:
                style.update(color="0.6", label=None)
        if name in dashed:
            style["linestyle"] = "--"
        if kind == "pr":
            ax.step(x, y, where="post", **style)
        else:
            ax.plot(x, y, **style)
    if kind == "roc":
        ax.plot([0, 1], [0, 1], color="0.7", linestyle=":", linewidth=1.0, label="chance")
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.02)
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="x-small", loc="lower left" if kind == "pr" else "lower right")
    return fig


def reliability_figure(
    diagram: ReliabilityDiagram, others: dict[str, ReliabilityDiagram] | None = None
) -> Figure:
    """Accuracy per confidence bin as bars (the model, named "model" in the legend), the
    diagonal of perfect calibration,
    the gap shaded; other predictors' bins as points; below, how many examples each bin
    holds (log scale), since a bin of 3 examples says little."""
    import numpy as np

    edges = _array(diagram.edges)
    width = np.diff(edges)
    fig = _figure(5.2, 5.2)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1])
    accuracy, confidence = _array(diagram.accuracy), _array(diagram.mean_confidence)
    filled = np.isfinite(accuracy)
    left = edges[:-1][filled]
    top.bar(
        left,
        accuracy[filled],
        width=width[filled],
        align="edge",
        edgecolor="tab:blue",
        color="tab:blue",
        alpha=0.7,
        label=f"model (ECE {diagram.ece:.4g})",
    )
    gap = confidence[filled] - accuracy[filled]
    top.bar(
        left,
        gap,
        bottom=accuracy[filled],
        width=width[filled],
        align="edge",
        color="tab:red",
        alpha=0.25,
        edgecolor="tab:red",
        hatch="//",
        label="gap",
    )
    top.plot([0, 1], [0, 1], color="0.3", linestyle=":", label="perfect calibration")
    for name, other in (others or {}).items():
        acc, conf = _array(other.accuracy), _array(other.mean_confidence)
        shown = np.isfinite(acc)
        top.plot(
            conf[shown],
            acc[shown],
            marker="o",
            markersize=4,
            linestyle="--",
            label=f"{name} (ECE {other.ece:.4g})",
        )
    top.set_xlim(0, 1)
    top.set_ylim(0, 1.02)
    top.set_ylabel("accuracy in bin")
    top.set_title("Reliability diagram")
    top.legend(fontsize="x-small", loc="upper left")
    top.grid(True, alpha=0.3)
    counts = _array(diagram.counts)
    bottom.bar(edges[:-1], counts, width=width, align="edge", color="0.5", edgecolor="0.3")
    if counts.max() > 0:
        bottom.set_yscale("log")
    bottom.set_xlabel("confidence (max probability)")
    bottom.set_ylabel("examples")
    return fig


def coverage_figure(
    curves: dict[str, CoverageCurve], marks: dict[str, list[tuple[float, float]]] | None = None
) -> Figure:
    """Accuracy of the answered examples against coverage, per predictor (a single point when
    every example has the same confidence, e.g. the majority baseline); `marks` adds points
    (coverage, accuracy) per name, e.g. accuracy at 50/80/90/95/100% coverage."""
    from matplotlib.ticker import PercentFormatter

    if not curves:
        raise DataError("no coverage curves to plot")
    fig = _figure(5.2, 4.0)
    ax = fig.add_subplot()
    for index, (name, curve) in enumerate(curves.items()):
        x, y = _array(curve.coverage), _array(curve.accuracy)
        style = "-" if index == 0 else "--"
        if len(x) == 1:
            ax.plot(x, y, marker="s", linestyle="none", label=name)
        else:
            (line,) = ax.step(x, y, where="pre", linestyle=style, label=name)
            for coverage, accuracy in (marks or {}).get(name, []):
                ax.plot([coverage], [accuracy], marker="o", markersize=4, color=line.get_color())
    ax.set_xlim(0, 1.01)
    ax.set_xlabel("coverage (fraction answered, most confident first)")
    ax.set_ylabel("accuracy of the answered")
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    ax.set_title("Accuracy vs coverage")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="x-small", loc="lower left")
    return fig
