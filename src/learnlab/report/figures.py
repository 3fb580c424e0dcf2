"""Drawing functions for stored figures that many recipes share: lines, bars and image grids.

Each is a module-level function `draw(**data) -> Figure` over plain data (numbers, lists,
tensors), so a `learnlab.result.FigureSpec` can name it and `learnlab report` can redraw the
figure from the run directory. Figures have an Agg canvas and no pyplot state
(`learnlab.report.plots`).

Example:
    >>> fig = line_figure(series={"loss": [[1, 2, 3], [0.9, 0.5, 0.4]]}, xlabel="epoch")
    >>> len(fig.axes)
    1
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from learnlab.report.plots import new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _values(values: Any) -> list[float]:
    return values.tolist() if hasattr(values, "tolist") else list(values)


def line_figure(
    *,
    series: Mapping[str, Sequence[Sequence[float]]],
    xlabel: str = "",
    ylabel: str = "",
    title: str = "",
    logx: bool = False,
    logy: bool = False,
    markers: bool = False,
) -> Figure:
    """One line per entry of `series`: name -> [xs, ys]."""
    fig = new_figure(6.4, 3.6)
    ax = fig.add_subplot()
    for name, (xs, ys) in series.items():
        ax.plot(_values(xs), _values(ys), marker="o" if markers else None, label=str(name))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.grid(True, alpha=0.3)
    if len(series) > 1:
        ax.legend(fontsize="small")
    return fig


def bar_figure(
    *, labels: Sequence[str], values: Sequence[float], ylabel: str = "", title: str = ""
) -> Figure:
    """One bar per label."""
    fig = new_figure(max(4.0, 0.6 * len(labels) + 2), 3.4)
    ax = fig.add_subplot()
    ax.bar(range(len(labels)), _values(values), color="tab:blue")
    ax.set_xticks(range(len(labels)), [str(label) for label in labels], rotation=30, ha="right")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(True, axis="y", alpha=0.3)
    return fig


def image_grid_figure(
    *,
    images: Any,
    row_labels: Sequence[str] = (),
    columns: int = 8,
    cmap: str = "gray",
    title: str = "",
) -> Figure:
    """Images (N, H, W) or (N, 1, H, W) in rows of `columns`; `row_labels` name the rows."""
    import numpy as np

    array = np.asarray(images.numpy() if hasattr(images, "numpy") else images, dtype=float)
    if array.ndim == 4:
        array = array[:, 0]
    rows = max(1, -(-len(array) // columns))
    fig = new_figure(0.9 * columns + (1.2 if row_labels else 0.2), 0.9 * rows + 0.4)
    axes = fig.subplots(rows, columns, squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i < len(array):
            ax.imshow(array[i], cmap=cmap)
        else:
            ax.set_axis_off()
    for r, label in enumerate(row_labels[:rows]):
        axes[r, 0].set_ylabel(str(label), fontsize=8)
    if title:
        fig.suptitle(title)
    return fig
