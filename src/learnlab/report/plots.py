"""Figures of a run: training curves and the confusion matrix, drawn with matplotlib.

Figures are built as `matplotlib.figure.Figure` objects with an Agg canvas attached, never
through `pyplot`: nothing is registered in pyplot's global figure list (no leak when reports are
made in a loop) and the process-wide backend is left alone. matplotlib and numpy are imported
inside the functions so that importing this module is cheap.

Example:
    >>> fig = training_curves_figure([{"epoch": 1, "train_loss": 0.9, "val_loss": 1.0}])
    >>> figure_to_png_bytes(fig)[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from learnlab.io.atomic import atomic_write_bytes
from learnlab.io.errors import ConfigError, DataError

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.figure import Figure
    from torch import Tensor

# Cells of the confusion matrix carry their count up to this many classes; beyond, the
# numbers would be too small to read.
MAX_ANNOTATED_CLASSES = 12
# Markers make single points (one epoch, a validation every few epochs) visible.
MAX_MARKED_POINTS = 40


def new_figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _as_number(value: Any) -> float | None:
    """A finite-or-NaN float for plotting, or None for values that are not numbers."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    # An infinite loss (a diverged run) would flatten the axis; show it as a gap instead.
    return number if math.isfinite(number) else math.nan


def _panel_of(key: str) -> str | None:
    if key == "loss" or key.endswith("_loss"):
        return "loss"
    if key in ("accuracy", "acc") or key.endswith(("_accuracy", "_acc")):
        return "accuracy"
    if key in ("lr", "learning_rate") or key.endswith("_lr"):
        return "learning rate"
    return None


_LINESTYLES = {"train": "-", "val": "--", "valid": "--", "test": ":"}


def _moving_average(values: np.ndarray) -> tuple[int, np.ndarray]:
    """(window, means of `window` consecutive values): about 20 windows along the run, at
    most 200 steps each; NaN steps count as the mean of the others."""
    import numpy as np

    window = max(1, min(len(values) // 20, 200))
    finite = np.where(np.isfinite(values), values, np.nan)
    filled = np.nan_to_num(finite, nan=float(np.nanmean(finite)))
    return window, np.convolve(filled, np.ones(window) / window, mode="valid")


def _draw_step_losses(ax, losses: list[float], steps_per_epoch: int) -> list[float]:
    """The training loss at every step (light) and its moving average (dark), at x = step /
    steps_per_epoch: step s of epoch e lies in (e - 1, e], on the epochs' axis. Returns the
    finite values drawn."""
    import numpy as np

    values = np.array([_as_number(v) for v in losses], dtype=float)
    x = np.arange(1, len(values) + 1) / max(1, steps_per_epoch)
    ax.plot(x, values, color="0.55", alpha=0.45, linewidth=0.7, label="train loss, every step")
    window, smooth = _moving_average(values)
    if window > 1:
        label = f"mean of {window} steps"
        ax.plot(x[window - 1 :], smooth, color="0.25", linewidth=1.2, label=label)
    return [float(v) for v in values if np.isfinite(v)]


def training_curves_figure(
    history: list[dict[str, float]],
    step_losses: list[float] | None = None,
    steps_per_epoch: int = 1,
) -> Figure:
    """Loss, accuracy and learning rate against epoch, one panel each that the history has.

    `history` holds one dict per epoch; keys ending in `_loss`, `_accuracy`/`_acc` and `lr` are
    plotted (train solid, val dashed, test dotted), other keys are ignored, and a key missing
    from some epochs is drawn through the epochs that have it. Accuracies in [0, 1] are shown
    as percentages. The x axis is `epoch` when present, else 1, 2, ...

    `step_losses` (the training loss after every optimizer step) are drawn in the loss panel,
    which is then wider, on the same axis in epochs (step / `steps_per_epoch`), so the
    per-epoch points sit at the ends of the steps they summarise.
    """
    if not isinstance(history, (list, tuple)) or not all(isinstance(r, dict) for r in history):
        raise DataError("history must be a list of dicts, one per epoch (as returned by fit)")
    if not history:
        raise DataError("history is empty: there is no epoch to plot; train for one epoch")

    panels: dict[str, list[str]] = {"loss": [], "accuracy": [], "learning rate": []}
    for row in history:
        for key, value in row.items():
            panel = _panel_of(str(key))
            if panel and key not in panels[panel] and _as_number(value) is not None:
                panels[panel].append(key)
    panels = {name: keys for name, keys in panels.items() if keys}

    steps = list(step_losses) if step_losses is not None and len(step_losses) else []
    if steps and "loss" not in panels:
        panels = {"loss": [], **panels}
    # Three panels fill the report's 960-px column at 100 px per inch.
    fig = new_figure(max(5.0, 3.25 * len(panels)), 3.4 if steps else 3.1)
    if not panels:
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no loss, accuracy or lr in the history", ha="center", va="center")
        return fig

    widths = [1.6 if steps and name == "loss" else 1.0 for name in panels]
    axes = fig.subplots(1, len(panels), squeeze=False, width_ratios=widths)[0]
    epochs: set[float] = set()
    for ax, (name, keys) in zip(axes, panels.items(), strict=True):
        all_values: list[float] = []
        if steps and name == "loss":
            all_values += _draw_step_losses(ax, steps, steps_per_epoch)
        for key in keys:
            xs, ys = [], []
            for index, row in enumerate(history):
                y = _as_number(row.get(key))
                if y is None:
                    continue
                x = _as_number(row.get("epoch"))
                xs.append(index + 1 if x is None or math.isnan(x) else x)
                ys.append(y)
            all_values += [y for y in ys if not math.isnan(y)]
            epochs.update(xs)
            style = _LINESTYLES.get(str(key).split("_")[0], "-")
            marker = "o" if len(xs) <= MAX_MARKED_POINTS else None
            ax.plot(xs, ys, linestyle=style, marker=marker, markersize=4, label=str(key))
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.grid(True, alpha=0.3)
        if name == "accuracy" and all_values and 0.0 <= min(all_values) <= max(all_values) <= 1:
            from matplotlib.ticker import PercentFormatter

            ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
        positive = all_values and min(all_values) > 0
        if name == "learning rate" and positive and max(all_values) / min(all_values) > 20:
            ax.set_yscale("log")  # warm-up or decay over decades
        if name == "loss" and steps and positive and max(all_values) / min(all_values) > 30:
            ax.set_yscale("log")  # the first steps' loss would flatten the rest
        ax.legend(fontsize="small")
    from matplotlib.ticker import MaxNLocator

    for ax in axes:
        if len(epochs) == 1 and not steps:  # one epoch: centre the point, not 0.95..1.05
            (only,) = epochs
            ax.set_xlim(only - 1, only + 1)
            ax.set_xticks([only])
        else:  # epochs are integers; no ticks at 0.5 on short runs
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if steps:  # the steps start at epoch 0: every panel spans the same epochs
        last = max([*epochs, len(steps) / max(1, steps_per_epoch)])
        for ax in axes:
            ax.set_xlim(0, last + 0.05 * max(last, 1))
    return fig


def step_loss_figure(losses: list[float], steps_per_epoch: int) -> Figure:
    """The training loss at every optimizer step (light) and its moving average (dark),
    against the epoch (step / steps_per_epoch): the shape of training within epochs."""
    import numpy as np

    if not losses:
        raise DataError("no step losses to plot; train for at least one step")
    values = np.array([_as_number(v) for v in losses], dtype=float)
    x = np.arange(1, len(values) + 1) / max(1, steps_per_epoch)
    fig = new_figure(6.5, 3.1)
    ax = fig.add_subplot()
    ax.plot(x, values, color="tab:blue", alpha=0.3, linewidth=0.8, label="every step")
    window, smooth = _moving_average(values)
    if window > 1:
        ax.plot(
            x[window - 1 :],
            smooth,
            color="tab:blue",
            linewidth=1.6,
            label=f"mean of {window} steps",
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    if np.nanmin(values) > 0 and np.nanmax(values) / np.nanmin(values) > 30:
        ax.set_yscale("log")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def _to_numpy(matrix: np.ndarray | Tensor) -> np.ndarray:
    import numpy as np

    if hasattr(matrix, "detach"):  # a torch tensor; avoids importing torch here
        matrix = matrix.detach().cpu().numpy()
    return np.asarray(matrix)


def confusion_matrix_figure(
    confusion: np.ndarray | Tensor,
    class_names: list[str] | None = None,
    normalize: bool = True,
) -> Figure:
    """Heatmap of a (K, K) confusion matrix, rows = true class, columns = predicted class.

    With `normalize`, colours show each row divided by its total (the recall of each true class
    spread over the predictions), so that rare classes are as visible as common ones; cells
    show the raw counts when K <= 12.
    """
    import numpy as np

    counts = _to_numpy(confusion)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or counts.shape[0] == 0:
        raise DataError(
            f"confusion must be a non-empty square (K, K) matrix, got shape {counts.shape}"
        )
    k = counts.shape[0]
    if class_names is None:
        class_names = [str(i) for i in range(k)]
    if len(class_names) != k:
        raise ConfigError(
            f"class_names has {len(class_names)} names but the confusion matrix has {k} "
            "classes; pass one name per class or None"
        )
    counts = counts.astype(np.float64)
    if normalize:
        totals = counts.sum(axis=1, keepdims=True)
        shown = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
        vmax, label = 1.0, "fraction of the true class"
    else:
        shown = counts
        vmax, label = max(float(counts.max()), 1.0), "examples"

    side = min(11.0, max(3.8, 0.55 * k + 1.8))
    fig = new_figure(side + 1.0, side)
    ax = fig.add_subplot()
    image = ax.imshow(shown, cmap="Blues", vmin=0.0, vmax=vmax, interpolation="nearest")
    fig.colorbar(image, ax=ax, shrink=0.8, label=label)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title("Confusion matrix" + (" (colour: row-normalised)" if normalize else ""))

    step = max(1, math.ceil(k / 40))  # at most ~40 tick labels per axis
    ticks = list(range(0, k, step))
    names = [str(class_names[i]) for i in ticks]
    rotate = any(len(n) > 3 for n in names)
    if rotate:
        ax.set_xticks(ticks, names, rotation=45, ha="right", rotation_mode="anchor")
    else:
        ax.set_xticks(ticks, names)
    ax.set_yticks(ticks, names)

    if k <= MAX_ANNOTATED_CLASSES:
        fontsize = 9 if k <= 10 else 8
        for i in range(k):  # at most 144 cells: cheap
            for j in range(k):
                colour = "white" if shown[i, j] > 0.55 * vmax else "black"
                count = counts[i, j]
                text = f"{count:.0f}" if count.is_integer() else f"{count:.2g}"
                ax.text(j, i, text, ha="center", va="center", color=colour, fontsize=fontsize)
    return fig


def figure_to_png_bytes(fig: Figure, *, dpi: int = 100) -> bytes:
    """The figure encoded as PNG; the same figure gives the same bytes (no Software tag naming
    the matplotlib version, no time), so a rebuilt report is identical to the first."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white", metadata={"Software": None})
    return buffer.getvalue()


def save_figure(fig: Figure, path: Path, *, dpi: int = 100) -> None:
    """Save the figure atomically; the format follows the suffix (.png, .pdf, .svg, ...)."""
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    supported = fig.canvas.get_supported_filetypes()
    if fmt not in supported:
        raise ConfigError(
            f"cannot save a figure as {path.name!r}: suffix .{fmt} is not an image format; "
            f"use one of {', '.join('.' + s for s in sorted(supported))}"
        )
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=dpi, facecolor="white")
    atomic_write_bytes(path, buffer.getvalue())
