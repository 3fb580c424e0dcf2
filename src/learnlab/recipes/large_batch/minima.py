"""The part that measures one seed's two trained minima: for every seed the accuracy on the whole
training set (eval mode) and the test accuracy with batch norm normalising each test batch by
its own statistics (Keras 1's mode=2); for the measured seeds Keskar's sharpness of the training
loss (full space and a random subspace, each eps, with batch norm by batch and by running
statistics) and the top Hessian eigenvalue; for the first seed the loss along the line through
the small-batch and the large-batch solutions (the paper's figure 3)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from learnlab.analysis.batch_norm import BATCH_NORM_MODES
from learnlab.recipes.large_batch.config import REGIMES, LargeBatchConfig, train_config
from learnlab.result import FigureSpec, Result

if TYPE_CHECKING:
    from rich.console import Console

SHORT = {"small-batch": "sb", "large-batch": "lb"}
SPACES = ("full", "subspace")


def eps_label(eps: float) -> str:
    """1e-3 -> 'eps1e-03': the summary keys' spelling of a box size."""
    return f"eps{eps:.0e}"


def sharpness_key(regime: str, space: str, eps: float, batch_norm: str | None = None) -> str:
    """The summary key of a sharpness; without `batch_norm`, that of the configured statistics
    (the one compared with the paper), else e.g. `..._eps1e-03_runningstats`."""
    key = f"{SHORT[regime]}_sharpness_{space}_{eps_label(eps)}"
    return key if batch_norm is None else f"{key}_{batch_norm}stats"


def training_subset(config: LargeBatchConfig, data) -> tuple[torch.Tensor, torch.Tensor]:
    """The fixed random subset of the training set whose loss is measured (the same for every
    seed, so the seeds differ only in their training)."""
    count = min(config.sharpness_examples, len(data.train))
    chosen = torch.randperm(len(data.train), generator=torch.Generator().manual_seed(config.seed))
    return data.train.x[chosen[:count]], data.train.y[chosen[:count]]


def measure_minima(
    config: LargeBatchConfig,
    model_dirs: dict[str, Path],
    seed: int,
    console: Console,
    line: bool = False,
    sharpness: bool = True,
) -> Result:
    """Load one seed's two trained models (from their parts' directories, so --resume needs no
    retraining), evaluate them on the training set (eval mode) and on the test set with
    batch statistics and, with `sharpness`, measure them on the fixed training subset;
    `line`: also the loss along the line through them."""
    from learnlab.models.saved import load_model
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.pipeline.train_job import prepare_data

    started = time.perf_counter()
    data = prepare_data(train_config(config, "small-batch"))
    batch = training_subset(config, data)
    models = {regime: load_model(model_dirs[regime]) for regime in REGIMES}
    test = (data.test.x, data.test.y)
    summary: dict[str, Any] = {}
    for regime, model in models.items():
        loss, accuracy = test_with_batch_statistics(model, *test, config.statistics_batch)
        summary[f"{SHORT[regime]}_test_loss_batchstats"] = loss
        summary[f"{SHORT[regime]}_test_accuracy_batchstats"] = accuracy
        # the paper's Table 2 also gives the training accuracy (eval mode, as the test's)
        loss, accuracy = _evaluate(model, data.train.x, data.train.y)
        summary[f"{SHORT[regime]}_final_train_loss"] = loss
        summary[f"{SHORT[regime]}_train_accuracy"] = accuracy
    if sharpness:
        summary["sharpness_examples"] = len(batch[1])
        for regime, model in models.items():
            console.print(f"large-batch: measuring the {regime} minimum of seed {seed}")
            summary.update(_measure(config, regime, model, CrossEntropy(), batch, seed))
    figures = []
    if line:
        curves = interpolation(models, batch, test, config.interpolation_points)
        figures.append(interpolation_figure_spec(curves))
    summary["minima_seconds"] = time.perf_counter() - started
    return Result(
        kind="large-batch",
        title=f"large-batch: sharpness of the small-batch and large-batch minima, seed {seed}",
        summary=summary,
        figures=figures,
        config=config.model_dump(mode="json"),
    )


def _measure(
    config: LargeBatchConfig, regime: str, model: nn.Module, objective, batch, seed: int
) -> dict[str, Any]:
    from learnlab.analysis.base import loss_closure, preserved_model_state
    from learnlab.analysis.batch_norm import batch_norm_statistics
    from learnlab.analysis.hessian import top_eigenvalues
    from learnlab.analysis.sharpness import model_sharpness

    short, found = SHORT[regime], {}
    for mode in BATCH_NORM_MODES:
        for eps in config.eps:
            for space in SPACES:
                result = model_sharpness(
                    model,
                    objective,
                    batch,
                    eps=eps,
                    subspace=None if space == "full" else config.subspace,
                    iterations=config.iterations,
                    seed=seed,
                    batch_norm=mode,
                    start=config.search_start,
                )
                found[sharpness_key(regime, space, eps, mode)] = result.sharpness
                if mode == config.batch_norm:
                    found[sharpness_key(regime, space, eps)] = result.sharpness
                    # few evaluations: L-BFGS-B stopped early (a lower bound far from the max)
                    evaluations = f"{short}_evaluations_{space}_{eps_label(eps)}"
                    found[evaluations] = result.evaluations
        found[f"{short}_train_subset_loss_{mode}stats"] = result.loss
    found[f"{short}_train_subset_loss"] = found[
        f"{short}_train_subset_loss_{config.batch_norm}stats"
    ]
    few = (batch[0][: config.hessian_examples], batch[1][: config.hessian_examples])
    # the configured statistics, as the sharpness compared with the paper
    with preserved_model_state(model), batch_norm_statistics(model, config.batch_norm):
        closure = loss_closure(model, objective, few)
        top = top_eigenvalues(closure, list(model.parameters()), 1, steps=20, seed=seed)
    found[f"{short}_top_hessian_eigenvalue"] = float(top[0])
    return found


def sharpness_rows(config: LargeBatchConfig, summary: dict[str, Any]) -> list[dict[str, str]]:
    """The mean sharpness over the seeds (with the standard deviation from two seeds on) for
    each batch-norm statistics, space and eps; the configured statistics first."""
    modes = sorted(BATCH_NORM_MODES, key=lambda mode: mode != config.batch_norm)
    rows = []
    for mode in modes:
        for space in SPACES:
            for eps in config.eps:
                small = sharpness_key("small-batch", space, eps, mode)
                large = sharpness_key("large-batch", space, eps, mode)
                rows.append(
                    {
                        "batch norm": f"{mode} statistics",
                        "space": "full" if space == "full" else f"random {config.subspace}-d",
                        "eps": f"{eps:g}",
                        "small batch": _with_std(summary, small),
                        "large batch": _with_std(summary, large),
                        "large / small": _ratio(summary[large], summary[small]),
                    }
                )
    rows.append(
        {
            "batch norm": f"{config.batch_norm} statistics",
            "space": "top Hessian eigenvalue",
            "eps": "",
            "small batch": _with_std(summary, "sb_top_hessian_eigenvalue"),
            "large batch": _with_std(summary, "lb_top_hessian_eigenvalue"),
            "large / small": "",
        }
    )
    return rows


def _with_std(summary: dict[str, Any], key: str) -> str:
    std = summary.get(f"{key}_std")
    return f"{summary[key]:.3g}" + ("" if std is None else f" ± {std:.2g}")


def _ratio(large: float, small: float) -> str:
    return f"{large / small:.1f}" if small > 0 else "inf"


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


def test_with_batch_statistics(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int
) -> tuple[float, float]:
    """Mean cross-entropy and accuracy with each batch-norm layer normalising by the statistics
    of the evaluated batch (Keras 1's BatchNormalization(mode=2) at test time): `x` in
    ceil(n / batch) nearly equal batches (never one of a single image, which has no variance);
    the model's running statistics and modes are left as they were."""
    from learnlab.analysis.batch_norm import batch_norm_statistics

    with batch_norm_statistics(model, "batch"):
        return _evaluate(model, x, y, batches=-(-len(x) // batch))


def _evaluate(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, batches: int | None = None
) -> tuple[float, float]:
    """Mean cross-entropy and accuracy, in `batches` nearly equal batches (default: of 2,000)."""
    import torch.nn.functional as F

    loss, correct = 0.0, 0
    count = batches or -(-len(x) // 2000)
    with torch.no_grad():
        for inputs, target in zip(x.tensor_split(count), y.tensor_split(count), strict=True):
            logits = model(inputs)
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
