"""The interpolation recipe's Result: the numbers read off the lines (the largest rise from
initialisation to solution, the barrier between the solutions), the plane's, the figures."""

from __future__ import annotations

from typing import Any

from learnlab.recipes.interpolation.config import InterpolationConfig
from learnlab.result import FigureSpec, Result, percent

NAME = "interpolation"
PATHS = {
    "init-to-solution": "from the initialisation of seed {0} to its solution",
    "solution-to-solution": "from the solution of seed {0} to that of seed {1}",
}


def relative_rise(scan) -> float:
    """The largest rise on [0, 1] as a fraction of the loss's range there (0 if flat)."""
    inside = scan.loss[(scan.alphas >= 0) & (scan.alphas <= 1)]
    spread = float(inside.max() - inside.min())
    return scan.largest_rise() / spread if spread > 0 else 0.0


def _at(scan, alpha: float, key: str = "loss") -> float:
    values = scan.loss if key == "loss" else scan.metrics[key]
    return float(values[list(scan.alphas).index(alpha)])


def _error_barrier(scan) -> float:
    """The barrier of the error rate (1 - accuracy), in percentage points."""
    from learnlab.analysis.landscape import barrier_height

    return 100.0 * barrier_height(scan.alphas, 1.0 - scan.metrics["accuracy"])


def summarise(lines: dict, plane) -> dict[str, Any]:
    rise = lines["init-to-solution", "train"]
    between = lines["solution-to-solution", "train"], lines["solution-to-solution", "test"]
    return {
        "initial_train_loss": _at(rise, 0.0),
        "solution_train_loss": _at(rise, 1.0),
        "solution_train_accuracy": _at(rise, 1.0, "accuracy"),
        "test_accuracy": _at(lines["init-to-solution", "test"], 1.0, "accuracy"),
        "second_solution_test_accuracy": _at(between[1], 1.0, "accuracy"),
        "init_to_solution_largest_rise": rise.largest_rise(),
        "init_to_solution_largest_rise_relative": relative_rise(rise),
        "init_to_solution_largest_rise_test": lines["init-to-solution", "test"].largest_rise(),
        "init_to_solution_monotone": rise.largest_rise() == 0.0,
        "barrier_train_loss": between[0].barrier(),
        "barrier_test_loss": between[1].barrier(),
        "barrier_train_error_points": _error_barrier(between[0]),
        "barrier_test_error_points": _error_barrier(between[1]),
        "plane_center_loss": float(plane.loss[len(plane.alphas) // 2, len(plane.betas) // 2]),
        "plane_min_loss": float(plane.loss.min()),
        "plane_max_loss": float(plane.loss.max()),
        "batch_norm": rise.batch_norm,
    }


def _rows(config: InterpolationConfig, lines: dict) -> list[dict[str, Any]]:
    rows = []
    for (path, split), scan in lines.items():
        rows.append(
            {
                "path": PATHS[path].format(config.seed, config.seed + 1),
                "images": split,
                "loss at a=0": round(_at(scan, 0.0), 4),
                "loss at a=1": round(_at(scan, 1.0), 4),
                "largest rise on [0, 1]": round(scan.largest_rise(), 4),
                # between two solutions only: from an initialisation it is half the drop
                "barrier (loss)": round(scan.barrier(), 4) if path != "init-to-solution" else "",
                "accuracy at a=0.5": percent(_at(scan, 0.5, "accuracy"), 2)
                if 0.5 in list(scan.alphas)
                else "",
            }
        )
    return rows


def _figures(config: InterpolationConfig, lines: dict, plane) -> list[FigureSpec]:
    from learnlab.analysis.landscape.figures import line_scan_figure, plane_contour_figure

    figures = []
    for path, words in PATHS.items():
        train, test = lines[path, "train"], lines[path, "test"]
        panels = {
            "cross-entropy": {"train": train.loss.tolist(), "test": test.loss.tolist()},
            "accuracy": {
                "train": train.metrics["accuracy"].tolist(),
                "test": test.metrics["accuracy"].tolist(),
            },
        }
        figures.append(
            FigureSpec(
                f"The line {words.format(config.seed, config.seed + 1)}",
                line_scan_figure,
                {"alphas": train.alphas.tolist(), "panels": panels},
            )
        )
    figures.append(
        FigureSpec(
            f"Training loss around the solution of seed {config.seed}: filter-normalised "
            "random directions (Li et al. 2018)",
            plane_contour_figure,
            {
                "alphas": plane.alphas.tolist(),
                "betas": plane.betas.tolist(),
                "values": plane.loss.tolist(),
                "label": "training loss",
                "log_scale": True,
            },
        )
    )
    return figures


def build_result(
    config: InterpolationConfig, lines: dict, plane, timing: dict[str, float]
) -> Result:
    summary = {**summarise(lines, plane), **timing}
    monotone = "falls monotonically" if summary["init_to_solution_monotone"] else "rises"
    return Result(
        kind=NAME,
        title=f"{NAME}: the loss along straight lines in the parameters of an MNIST MLP",
        summary=summary,
        notes=[_note(config, summary)],
        tables={"what the lines show": _rows(config, lines)},
        figures=_figures(config, lines, plane),
        index={"dataset": "mnist", "model": "mlp", "test_accuracy": summary["test_accuracy"]},
        headline=(
            f"[bold]{NAME}[/]: from initialisation to solution the training loss {monotone} "
            f"(largest rise {summary['init_to_solution_largest_rise']:.4f}); barrier between "
            f"two solutions {summary['barrier_train_loss']:.3f} (train loss), "
            f"{summary['barrier_test_error_points']:.1f} points of test error"
        ),
    )


def _note(config: InterpolationConfig, s: dict[str, Any]) -> str:
    statistics = {
        "frozen": "batch-norm statistics frozen at the solution's (the MLP has none)",
        "recompute": "batch-norm statistics recomputed at every point from training images",
    }[s["batch_norm"]]
    return (
        f"Two MLPs 784-{'-'.join([str(config.width)] * config.depth)}-10, seeds {config.seed} "
        f"and {config.seed + 1}, {config.epochs} epochs of SGD (test accuracy "
        f"{percent(s['test_accuracy'], 2)} and {percent(s['second_solution_test_accuracy'], 2)}). "
        f"Along the line from initialisation to solution the training loss goes from "
        f"{s['initial_train_loss']:.3f} to {s['solution_train_loss']:.4f}; its largest rise on "
        f"the way is {s['init_to_solution_largest_rise']:.4f} "
        f"({100 * s['init_to_solution_largest_rise_relative']:.2f}% of its range). Between the "
        f"two solutions the loss rises by {s['barrier_train_loss']:.3f} (train) and "
        f"{s['barrier_test_loss']:.3f} (test) over the mean of the ends: a barrier, "
        f"{s['barrier_test_error_points']:.1f} points of test error. The plane's training loss "
        f"ranges from {s['plane_min_loss']:.3f} to {s['plane_max_loss']:.3g}; {statistics}."
    )
