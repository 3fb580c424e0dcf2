"""The multitask-canvas recipe's figure, drawn from stored data (so `learnlab report` redraws
it): test canvases with the true box of the digit's ink and each method's predicted box."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure

COLOURS = ("tab:red", "tab:blue", "tab:orange", "tab:purple")


def canvases_figure(
    *,
    canvases: Sequence,
    labels: Sequence[int],
    true_boxes: Sequence,
    predicted: Mapping[str, Sequence],
    classes: Mapping[str, Sequence[int]],
) -> Figure:
    """One panel per canvas: the true box in green, `predicted[method]` boxes (canvas pixels,
    x0, y0, x1, y1) in colours; the title gives the label and each method's predicted class."""
    import numpy as np
    from matplotlib.patches import Rectangle

    from learnlab.report.plots import new_figure

    count = len(canvases)
    columns = min(count, 6)
    rows = -(-count // columns)
    fig = new_figure(2.2 * columns, 2.5 * rows + 0.4)
    for i in range(count):
        ax = fig.add_subplot(rows, columns, i + 1)
        ax.imshow(np.asarray(canvases[i], dtype=float).squeeze(), cmap="gray_r")
        boxes = [("true", true_boxes[i], "tab:green")]
        boxes += [(m, b[i], c) for (m, b), c in zip(predicted.items(), COLOURS, strict=False)]
        for name, box, colour in boxes:
            x0, y0, x1, y1 = (float(v) for v in box)
            ax.add_patch(
                Rectangle(
                    (x0 - 0.5, y0 - 0.5),
                    x1 - x0,
                    y1 - y0,
                    fill=False,
                    lw=1.4,
                    edgecolor=colour,
                    label=name,
                )
            )
        said = ", ".join(f"{m}: {int(c[i])}" for m, c in classes.items())
        ax.set_title(f"digit {int(labels[i])}\n{said}", fontsize=6)
        ax.set_xticks([])
        ax.set_yticks([])
    handles, names = fig.axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=len(names), fontsize=7)
    return fig
