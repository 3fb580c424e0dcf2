"""The hogwild-mnist Result: per method (synchronous, hogwild_W) the means over the seeds with
their spread, Hogwild minus synchronous per seed, the table and the convergence figure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from learnlab.recipes.hogwild_mnist.config import HogwildMnistConfig, method_label
from learnlab.recipes.seeds import spread_keys
from learnlab.result import FigureSpec, Result

if TYPE_CHECKING:
    from torch import Tensor, nn

    from learnlab.scale.hogwild import TrainingTrace

NAME = "hogwild-mnist"
# the acceptance item: Hogwild with 2 workers within this many points of synchronous training
TOLERANCE_POINTS = 0.5


@dataclass(frozen=True)
class MethodRun:
    """One training: final test accuracy (a fraction), wall and CPU seconds, examples
    processed, and the curve [(examples, seconds, test accuracy), ...] of its snapshots."""

    accuracy: float
    seconds: float
    cpu_seconds: float
    examples: int
    curve: list[tuple[int, float, float]]

    @property
    def examples_per_second(self) -> float:
        return self.examples / self.seconds


def evaluate_trace(model: nn.Module, trace: TrainingTrace, x: Tensor, y: Tensor) -> MethodRun:
    """Test accuracy of every snapshot of `trace` (the last is the final model)."""
    import torch

    curve = []
    with torch.no_grad():
        for snapshot in trace.snapshots:
            model.load_state_dict(snapshot.state)
            accuracy = float((model(x).argmax(1) == y).double().mean())
            curve.append((snapshot.examples, snapshot.seconds, accuracy))
    return MethodRun(curve[-1][2], trace.seconds, trace.cpu_seconds, trace.examples, curve)


def _measured(summary: dict[str, Any], key: str, values: list[float]) -> None:
    summary[key] = sum(values) / len(values)
    summary |= spread_keys(key, values)


def summarize(config: HogwildMnistConfig, runs: dict[str, list[MethodRun]]) -> dict[str, Any]:
    summary: dict[str, Any] = {"recipe": NAME, "seeds": config.seeds, "epochs": config.epochs}
    summary["examples"] = runs["synchronous"][0].examples
    sync = [100 * r.accuracy for r in runs["synchronous"]]
    for method, method_runs in runs.items():
        accuracy = [100 * r.accuracy for r in method_runs]
        _measured(summary, f"{method}_test_accuracy", accuracy)
        _measured(summary, f"{method}_seconds", [r.seconds for r in method_runs])
        _measured(summary, f"{method}_cpu_seconds", [r.cpu_seconds for r in method_runs])
        _measured(
            summary, f"{method}_examples_per_second", [r.examples_per_second for r in method_runs]
        )
        if method != "synchronous":
            gap = [a - s for a, s in zip(accuracy, sync, strict=True)]
            _measured(summary, f"{method}_minus_synchronous", gap)
    if "hogwild_2_minus_synchronous" in summary:
        gap = summary["hogwild_2_minus_synchronous"]
        summary["acceptance_met"] = abs(gap) <= TOLERANCE_POINTS
    return summary


def _cell(summary: dict[str, Any], key: str, digits: int) -> str:
    low, high = summary[f"{key}_min"], summary[f"{key}_max"]
    return f"{summary[key]:.{digits}f} ({low:.{digits}f} to {high:.{digits}f})"


def _table(summary: dict[str, Any], methods: list[str]) -> list[dict[str, str]]:
    rows = []
    for method in methods:
        gap = f"{method}_minus_synchronous"
        rows.append(
            {
                "method": method_label(method),
                "test accuracy (%)": _cell(summary, f"{method}_test_accuracy", 2),
                "minus synchronous (points)": _cell(summary, gap, 2) if gap in summary else "-",
                "wall seconds": _cell(summary, f"{method}_seconds", 1),
                "CPU seconds": _cell(summary, f"{method}_cpu_seconds", 1),
                "examples/s": _cell(summary, f"{method}_examples_per_second", 0),
            }
        )
    return rows


def _figure(runs: dict[str, list[MethodRun]]) -> FigureSpec:
    from learnlab.recipes.hogwild_mnist.figures import convergence_figure

    curves = {method: [r.curve for r in method_runs] for method, method_runs in runs.items()}
    return FigureSpec(
        "test error against examples processed and against wall time",
        convergence_figure,
        {"curves": {m: [[list(point) for point in c] for c in cs] for m, cs in curves.items()}},
    )


def result(config: HogwildMnistConfig, runs: dict[str, list[MethodRun]], seconds: float) -> Result:
    summary = summarize(config, runs)
    summary["seconds"] = seconds
    inputs = 64 if config.dataset == "digits" else 784
    model = "-".join(str(n) for n in [inputs, *[config.width] * config.depth, 10])
    seeds = config.seed_list()
    notes = [
        'Hogwild!: Recht, Re, Wright & Niu (2011), "Hogwild!: a lock-free approach to '
        'parallelizing stochastic gradient descent" (NeurIPS).',
        f"MLP {model} on {config.dataset} ({summary['examples']} examples processed per run: "
        f"{config.epochs} epochs of {summary['examples'] // config.epochs}), plain SGD lr "
        f"{config.lr:g} (times {config.lr_decay:g} after each epoch), batch "
        f"{config.batch_size}; seeds {seeds[0]} to {seeds[-1]}, each from the same initial "
        "weights for every method. Synchronous: the Trainer in one process on one thread. "
        "Hogwild: worker processes (one thread each, a disjoint shard each) writing "
        f"their SGD steps into shared weights without locks. {seconds:.0f} s in all.",
        "Hogwild with more than one worker is not deterministic (the order in which steps land "
        "depends on the scheduler): rerunning a seed changes its numbers; the spread over the "
        "seeds (min to max) is reported. Wall times depend on the machine's load; CPU seconds "
        "count this process and its workers.",
    ]
    if "acceptance_met" in summary:
        notes.append(
            f"Hogwild with 2 workers minus synchronous: "
            f"{summary['hogwild_2_minus_synchronous']:+.2f} points (mean over the seeds; "
            f"target within {TOLERANCE_POINTS} points: "
            f"{'met' if summary['acceptance_met'] else 'NOT met'})."
        )
    return Result(
        kind=NAME,
        title=f"{NAME}: asynchronous (Hogwild) against synchronous SGD",
        summary=summary,
        notes=notes,
        tables={"each method (mean over the seeds, min to max)": _table(summary, list(runs))},
        figures=[_figure(runs)],
        index={"dataset": config.dataset, "model": f"mlp {model}"},
        headline=", ".join(
            f"{m} {summary[f'{m}_test_accuracy']:.2f}% in {summary[f'{m}_seconds']:.1f} s"
            for m in runs
        ),
    )
