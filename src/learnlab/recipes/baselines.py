"""baselines: the lecture's default baselines for a new problem, side by side, and which to
start from (L4, "tips to establish a good baseline": use SGD + momentum or Adam; batch
normalisation can have a dramatic impact; unless there are millions of training examples,
regularise from the start: dropout, weight decay; early stopping, L4's regulariser of choice).

Given any registered data set (`--set dataset=...`) and model (a registered name or a user's
`path/to/file.py:factory`, as `learnlab train` takes it), each baseline is one `learnlab train`
run (a part, `<baseline>/`, with checkpoints; `--resume` keeps the finished ones):

- "sgd-momentum": SGD with momentum 0.9;
- "adam": Adam;
- "adam-batchnorm": Adam, the model with batch normalisation (its `norm` option);
- "adam-regularised": Adam with batch normalisation, dropout (its `dropout` option), weight
  decay (AdamW's, decoupled) and early stopping on the validation loss.

A baseline that needs a model option the model lacks (a user's factory without `norm`) trains
without it and the table says so. The trivial baselines of the run report (majority class,
logistic regression: `learnlab.metrics.baselines`) are shown beside them. The baseline to start
from is the one with the best validation accuracy (validation loss for a model without
accuracy), never the test set's; its test error is reported beside it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from learnlab.config import DataRecipeConfig, TrainConfig
from learnlab.recipes.context import RunContext
from learnlab.recipes.registry import register_recipe
from learnlab.result import FigureSpec, Result, percent

NAME = "baselines"
Baseline = Literal["sgd-momentum", "adam", "adam-batchnorm", "adam-regularised"]
BASELINES: tuple[str, ...] = ("sgd-momentum", "adam", "adam-batchnorm", "adam-regularised")
TRIVIAL = {"majority": "majority class", "logreg": "logistic regression"}


class BaselinesConfig(DataRecipeConfig):
    """The data set and model every baseline trains; what differs between them is fixed by
    the lecture's advice (module docstring), with the rates and strengths set here."""

    dataset: str = "mnist"
    model: str = "mlp"  # a registered model or "path/to/file.py:factory"
    model_options: dict[str, Any] = Field(default_factory=dict)
    epochs: int = Field(10, ge=1, le=100_000)
    batch_size: int = Field(64, ge=1)
    limit_train: int | None = Field(None, ge=1)
    val_fraction: float = Field(0.1, gt=0, lt=1)  # the choice needs validation data
    sgd_lr: float = Field(0.05, gt=0, le=10)
    adam_lr: float = Field(1e-3, gt=0, le=10)
    weight_decay: float = Field(1e-2, ge=0, le=10)  # AdamW's decoupled decay
    dropout: float = Field(0.2, ge=0, lt=1)
    patience: int = Field(3, ge=1)  # early stopping: epochs without a lower validation loss
    baselines: list[Baseline] = Field(default_factory=lambda: list(BASELINES), min_length=1)
    progress: bool = False

    @field_validator("baselines")
    @classmethod
    def _distinct(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError(f"baselines must not repeat, got {v}")
        return v


def _model_options(model: str) -> dict[str, tuple]:
    """{option: allowed values (empty: any)} of the model, to know if it takes norm/dropout."""
    from learnlab.models.options import model_options

    return {o.name: o.choices for o in model_options(model)}


def baseline_config(config: BaselinesConfig, baseline: str) -> tuple[TrainConfig, list[str]]:
    """The `learnlab train` configuration of `baseline`, and what the model could not take."""
    options = _model_options(config.model)
    model_options, missing = dict(config.model_options), []
    wants = {"adam-batchnorm": ("norm",), "adam-regularised": ("norm", "dropout")}
    for option in wants.get(baseline, ()):
        value = "batch" if option == "norm" else config.dropout
        if option in options and (not options[option] or value in options[option]):
            model_options[option] = value
        else:
            missing.append("batch norm" if option == "norm" else "dropout")
    regularised = baseline == "adam-regularised"
    train = TrainConfig(
        dataset=config.dataset,
        model=config.model,
        model_options=model_options,
        optimizer={"sgd-momentum": "momentum", "adam-regularised": "adamw"}.get(baseline, "adam"),
        lr=config.sgd_lr if baseline == "sgd-momentum" else config.adam_lr,
        momentum=0.9,
        weight_decay=config.weight_decay if regularised else 0.0,
        early_stopping_patience=config.patience if regularised else None,
        epochs=config.epochs,
        batch_size=config.batch_size,
        limit_train=config.limit_train,
        val_fraction=config.val_fraction,
        seed=config.seed,
        data_root=config.data_root,
        download=config.download,
        progress=config.progress,
        baselines=baseline == config.baselines[0],  # the trivial baselines, fitted once
    )
    return train, missing


def train_configs(config: BaselinesConfig) -> list[TrainConfig]:
    """What `--dry-run` checks: every baseline's training run."""
    return [baseline_config(config, b)[0] for b in config.baselines]


@register_recipe(
    NAME,
    "the lecture's default baselines for a new problem (SGD + momentum, Adam, batch norm, "
    "dropout + weight decay + early stopping) side by side on any data set or model, beside "
    "the trivial baselines; which to start from, chosen on validation data",
    BaselinesConfig,
    train_configs=train_configs,
    quick={"dataset": "digits", "epochs": 1, "model_options": {"width": 32, "depth": 1}},
)
def run(config: BaselinesConfig, ctx: RunContext) -> Result:
    planned = {b: baseline_config(config, b) for b in config.baselines}  # bad settings fail here
    rows, curves = [], {}
    for baseline, (train, missing) in planned.items():
        part = ctx.train(baseline, train, title=f"{NAME}: {baseline}", report=False)
        rows.append(_row(baseline, train, missing, part.summary))
        curves[baseline] = [_val_error(record) for record in part.history]
        ctx.console.print(f"  {baseline}: validation {rows[-1]['metric']} {rows[-1]['validation']}")
    trivial = _trivial_rows(ctx.parts[config.baselines[0]].summary)
    return _result(config, rows, curves, trivial)


def _val_error(record: dict[str, Any]) -> float:
    if "val_accuracy" in record:
        return 1.0 - record["val_accuracy"]
    return record.get("val_loss", float("nan"))


def _score(summary: dict[str, Any]) -> float:
    """Higher is better: the validation accuracy, or minus the validation loss."""
    if "val_accuracy" in summary:
        return summary["val_accuracy"]
    return -summary["val_loss"]


def _row(baseline: str, train: TrainConfig, missing: list[str], s: dict[str, Any]) -> dict:
    accuracy = "val_accuracy" in s
    return {
        "baseline": baseline,
        "optimizer": train.optimizer,
        "lr": train.lr,
        "model options": ", ".join(f"{k}={v}" for k, v in train.model_options.items()) or "-",
        "weight decay": train.weight_decay,
        "early stopping": "yes" if train.early_stopping_patience else "no",
        "not available": ", ".join(missing) or "",
        "epochs run": s.get("epochs_completed"),
        "validation": percent(1 - s["val_accuracy"], 2) if accuracy else f"{s['val_loss']:.4g}",
        "test": percent(1 - s["test_accuracy"], 2) if accuracy else f"{s['test_loss']:.4g}",
        "run_dir": baseline,
        "score": _score(s),
        "metric": "error" if accuracy else "loss",
    }


def _trivial_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The majority-class and logistic-regression test errors the run report computed."""
    return [
        {"baseline": readable, "test error": percent(1 - summary[f"baseline_{key}_accuracy"], 2)}
        for key, readable in TRIVIAL.items()
        if f"baseline_{key}_accuracy" in summary
    ]


def _result(
    config: BaselinesConfig,
    rows: list[dict[str, Any]],
    curves: dict[str, list[float]],
    trivial: list[dict[str, Any]],
) -> Result:
    best = max(rows, key=lambda r: r["score"])  # ties: the first, the simpler baseline
    metric = best["metric"]
    advice = (
        f"Start from {best['baseline']!r}: the best validation {metric} "
        f"({best['validation']}; test {best['test']}, reported, not used to choose)."
    )
    summary: dict[str, Any] = {
        "dataset": config.dataset,
        "model": config.model,
        "chosen": best["baseline"],
        "chosen_validation_score": best["score"],
        **{f"{r['baseline'].replace('-', '_')}_validation_score": r["score"] for r in rows},
    }
    figure = {"curves": curves, "metric": f"validation {metric}"}
    return Result(
        kind=NAME,
        title=f"{NAME}: {config.model} on {config.dataset}",
        summary=summary,
        notes=[
            "L4's advice for a new problem: SGD with momentum or Adam, batch normalisation, "
            "regularisation from the start (dropout, weight decay) and early stopping. Every "
            f"baseline trains {config.epochs} epochs (early stopping may end one sooner).",
            advice,
            f"One run per baseline (seed {config.seed}): a difference of a few tenths of a "
            "point is within what another seed moves; the choice is where to start, not a "
            "ranking.",
        ],
        tables={
            "Default baselines": [
                {k: v for k, v in r.items() if k not in ("score", "metric")} for r in rows
            ],
            "Trivial baselines (test set)": trivial,
        },
        figures=[FigureSpec("Validation curves of the baselines", baseline_curves, figure)],
        index={"dataset": config.dataset, "model": config.model},
        headline=f"[bold]{NAME}[/]: {advice}",
    )


def baseline_curves(*, curves: dict[str, list[float]], metric: str):
    """Each baseline's validation error (or loss) per epoch."""
    from learnlab.report.plots import new_figure

    fig = new_figure(6, 3.6)
    ax = fig.add_subplot(1, 1, 1)
    for name, values in curves.items():
        ax.plot(range(1, len(values) + 1), values, marker="o", markersize=3, label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.legend(fontsize=8)
    return fig
