"""The part that measures the two trained minima: Keskar's sharpness of the training loss
(full space and a random subspace, each eps), the top Hessian eigenvalue, and the loss along
the line through the small-batch and the large-batch solutions (the paper's figure 3)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from learnlab.recipes.large_batch.config import REGIMES, LargeBatchConfig, train_config
from learnlab.result import FigureSpec, Result

if TYPE_CHECKING:
    from rich.console import Console

SHORT = {"small-batch": "sb", "large-batch": "lb"}


def eps_label(eps: float) -> str:
    """1e-3 -> 'eps1e-03': the summary keys' spelling of a box size."""
    return f"eps{eps:.0e}"


def sharpness_key(regime: str, space: str, eps: float) -> str:
    return f"{SHORT[regime]}_sharpness_{space}_{eps_label(eps)}"


def measure_minima(
    config: LargeBatchConfig, model_dirs: dict[str, Path], console: Console
) -> Result:
    """Load both trained models (from their parts' directories, so --resume needs no
    retraining) and measure them on the same fixed subset of the training set."""
    from learnlab.models.saved import load_model
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.pipeline.train_job import prepare_data

    started = time.perf_counter()
    data = prepare_data(train_config(config, "small-batch"))
    count = min(config.sharpness_examples, len(data.train))
    chosen = torch.randperm(len(data.train), generator=torch.Generator().manual_seed(config.seed))
    batch = (data.train.x[chosen[:count]], data.train.y[chosen[:count]])
    models = {regime: load_model(model_dirs[regime]) for regime in REGIMES}
    summary: dict[str, Any] = {"sharpness_examples": count}
    for regime, model in models.items():
        console.print(f"large-batch: measuring the {regime} minimum")
        summary.update(_measure(config, regime, model, CrossEntropy(), batch))
    line = interpolation(models, batch, (data.test.x, data.test.y), config.interpolation_points)
    summary["minima_seconds"] = time.perf_counter() - started
    return Result(
        kind="large-batch",
        title="large-batch: sharpness of the small-batch and large-batch minima",
        summary=summary,
        tables={"sharpness of the training loss": sharpness_rows(config, summary)},
        figures=[interpolation_figure_spec(line)],
        config=config.model_dump(mode="json"),
    )


def _measure(
    config: LargeBatchConfig, regime: str, model: nn.Module, objective, batch
) -> dict[str, Any]:
    from learnlab.analysis.base import loss_closure, preserved_model_state
    from learnlab.analysis.hessian import top_eigenvalues
    from learnlab.analysis.sharpness import model_sharpness

    found: dict[str, Any] = {}
    for eps in config.eps:
        for space, subspace in (("full", None), ("subspace", config.subspace)):
            result = model_sharpness(
                model,
                objective,
                batch,
                eps=eps,
                subspace=subspace,
                iterations=config.iterations,
                seed=config.seed,
            )
            found[sharpness_key(regime, space, eps)] = result.sharpness
            found[f"{SHORT[regime]}_evaluations_{space}_{eps_label(eps)}"] = result.evaluations
            found[f"{SHORT[regime]}_train_subset_loss"] = result.loss
    few = (batch[0][: config.hessian_examples], batch[1][: config.hessian_examples])
    with preserved_model_state(model):  # eval mode: the running statistics, as above
        closure = loss_closure(model, objective, few)
        top = top_eigenvalues(closure, list(model.parameters()), 1, steps=20, seed=config.seed)
    found[f"{SHORT[regime]}_top_hessian_eigenvalue"] = float(top[0])
    return found


def sharpness_rows(config: LargeBatchConfig, summary: dict[str, Any]) -> list[dict[str, str]]:
    rows = []
    for space in ("full", "subspace"):
        for eps in config.eps:
            small = summary[sharpness_key("small-batch", space, eps)]
            large = summary[sharpness_key("large-batch", space, eps)]
            rows.append(
                {
                    "space": "full" if space == "full" else f"random {config.subspace}-d",
                    "eps": f"{eps:g}",
                    "small batch": f"{small:.3g}",
                    "large batch": f"{large:.3g}",
                    "large / small": f"{large / small:.1f}" if small > 0 else "inf",
                }
            )
    rows.append(
        {
            "space": "top Hessian eigenvalue",
            "eps": "",
            "small batch": f"{summary['sb_top_hessian_eigenvalue']:.3g}",
            "large batch": f"{summary['lb_top_hessian_eigenvalue']:.3g}",
            "large / small": "",
        }
    )
    return rows


def _interpolated(models: dict[str, nn.Module], alpha: float) -> nn.Module:
    """(1 - alpha) x_SB + alpha x_LB, weights and batch-norm running statistics alike."""
    import copy

    small, large = (models[r].state_dict() for r in REGIMES)
    mixed = {
        k: (1 - alpha) * v + alpha * large[k] if v.is_floating_point() else v
        for k, v in small.items()
    }
    model = copy.deepcopy(models["small-batch"])
    model.load_state_dict(mixed)
    return model.eval()


def interpolation(
    models: dict[str, nn.Module], train: tuple, test: tuple, points: int
) -> dict[str, Any]:
    """Loss and accuracy on the training subset and the test set along the line, alpha in
    [-1, 2] (0: the small-batch solution, 1: the large-batch one)."""
    alphas = torch.linspace(-1, 2, points, dtype=torch.float64)
    curves: dict[str, list[float]] = {
        k: [] for k in ("train_loss", "test_loss", "train_acc", "test_acc")
    }
    for alpha in alphas.tolist():
        model = _interpolated(models, alpha)
        for name, (x, y) in (("train", train), ("test", test)):
            loss, accuracy = _evaluate(model, x, y)
            curves[f"{name}_loss"].append(loss)
            curves[f"{name}_acc"].append(accuracy)
    return {"alpha": alphas.tolist(), **curves}


def _evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    import torch.nn.functional as F

    loss, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(x), 2000):
            logits = model(x[start : start + 2000])
            target = y[start : start + 2000]
            loss += float(F.cross_entropy(logits, target, reduction="sum"))
            correct += int((logits.argmax(1) == target).sum())
    return loss / len(x), correct / len(x)


def interpolation_figure_spec(line: dict[str, Any]) -> FigureSpec:
    from learnlab.recipes.large_batch.figures import interpolation_figure

    return FigureSpec(
        "loss and accuracy between the small-batch and the large-batch solution",
        interpolation_figure,
        line,
        caption=(
            "f((1 - a) x_SB + a x_LB): a = 0 is the small-batch minimum, a = 1 the "
            "large-batch one (Keskar et al.'s figure 3); solid: training subset, dashed: test."
        ),
    )
