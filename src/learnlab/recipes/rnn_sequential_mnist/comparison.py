"""The comparison of the three models: one row of numbers per model's run, the parent summary
(with the target's verdict), the report's table and notes."""

from __future__ import annotations

from typing import Any

from learnlab.recipes.rnn_sequential_mnist.config import (
    GATED,
    MODELS,
    RnnSequentialMnistConfig,
)
from learnlab.result import Result

NAME = "rnn-sequential-mnist"


def model_row(model: str, part: Result) -> dict[str, Any]:
    """What the parent keeps of one model's run (its part `model`)."""
    s = part.summary
    return {
        "model": model,
        "test_accuracy": s["test_accuracy"],
        "test_loss": s["test_loss"],
        "val_accuracy": s["val_accuracy"],
        "parameters": s["parameters"],
        "epochs": s["epochs_completed"],
        "train_seconds": s["train_seconds"],
        "seconds_per_epoch": s["train_seconds"] / max(1, s["epochs_completed"]),
        "val_accuracy_curve": [h["val_accuracy"] for h in part.history],
        "run_dir": model,
    }


def summarize(
    config: RnnSequentialMnistConfig, per_model: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The parent summary: each model's numbers under `<model>_...` keys, and the target's."""
    best = max(GATED, key=lambda m: per_model[m]["test_accuracy"])
    summary: dict[str, Any] = {"recipe": NAME}
    for model, row in per_model.items():
        summary[f"{model}_test_accuracy"] = row["test_accuracy"]
    summary["test_accuracy"] = per_model[best]["test_accuracy"]
    summary["best_gated_model"] = best
    summary["target_accuracy"] = config.target_accuracy
    summary["reached_target"] = summary["test_accuracy"] >= config.target_accuracy
    for model, row in per_model.items():
        summary[f"{model}_val_accuracy"] = row["val_accuracy"]
        summary[f"{model}_parameters"] = row["parameters"]
        summary[f"{model}_train_seconds"] = row["train_seconds"]
        summary[f"{model}_seconds_per_epoch"] = row["seconds_per_epoch"]
    summary["train_seconds"] = sum(row["train_seconds"] for row in per_model.values())
    summary["per_model"] = per_model
    return summary


def comparison_table(per_model: dict[str, dict[str, Any]]) -> list[dict[str, object]]:
    return [
        {
            "model": MODELS[model],
            "test accuracy": f"{100 * row['test_accuracy']:.2f}%",
            "final validation accuracy": f"{100 * row['val_accuracy']:.2f}%",
            "parameters": f"{row['parameters']:,}",
            "training seconds": round(row["train_seconds"], 1),
            "seconds per epoch": round(row["seconds_per_epoch"], 2),
            "run": row["run_dir"],
        }
        for model, row in per_model.items()
    ]


def verdict(config: RnnSequentialMnistConfig, summary: dict[str, Any]) -> str:
    target = 100 * config.target_accuracy
    best = f"best: {summary['best_gated_model'].upper()}, {100 * summary['test_accuracy']:.2f}%"
    reached = [
        m for m in GATED if summary["per_model"][m]["test_accuracy"] >= config.target_accuracy
    ]
    if reached:
        names = " and ".join(m.upper() for m in reached)
        return f"Target met: {names} reached >= {target:g}% test accuracy ({best})."
    return (
        f"Target NOT met: neither the LSTM nor the GRU reached {target:g}% test accuracy ({best})."
    )


def notes(config: RnnSequentialMnistConfig, summary: dict[str, Any]) -> list[str]:
    clip = f"gradient norm clipped at {config.grad_clip:g}" if config.grad_clip else "no clipping"
    return [
        verdict(config, summary),
        "Row-by-row sequential MNIST: each image is 28 steps of 28 pixels; the classifier "
        "reads the last hidden state. Elman (1990); Hochreiter & Schmidhuber (1997); Cho et "
        "al. (2014).",
        f"Same settings for the three models: hidden size {config.hidden}, {config.epochs} "
        f"epochs, batch {config.batch_size}, Adam lr {config.lr:g} with a cosine schedule, "
        f"{clip}, seed {config.seed}. {100 * config.val_fraction:g}% of the training images "
        "are a validation split: the default settings were judged on it (development runs of "
        "the RNN and the LSTM, whose validation accuracy levels off by epochs 6 to 8); the "
        "test set is evaluated once, with the final weights.",
        "test_accuracy is the better of the LSTM's and the GRU's test accuracies (the target "
        "asks for either); each model's own number is in the table.",
        "Training seconds are the trainer's clock (the training loop only) with "
        f"{summary['torch_threads']} torch thread(s); they depend on the machine's load.",
    ]
