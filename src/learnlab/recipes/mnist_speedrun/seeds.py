"""What the speedrun reports over its seeds: each seed's row, the mean and sample standard
deviation, the setup in words, and the tables (seeds; paper vs ours)."""

from __future__ import annotations

import statistics
from typing import Any

from learnlab.recipes.mnist_speedrun.config import MnistSpeedrunConfig
from learnlab.recipes.mnist_speedrun.reference import REFERENCE
from learnlab.result import Result

NAME = "mnist-speedrun"


def seed_row(seed: int, name: str, part: Result) -> dict[str, Any]:
    """What the recipe keeps of one seed's run (its part `name`)."""
    s = part.summary
    return {
        "seed": seed,
        "test_accuracy": s["test_accuracy"],
        "test_loss": s["test_loss"],
        "train_seconds": s["train_seconds"],
        "parameters": s["parameters"],
        "run_dir": name,
    }


def summarize(config: MnistSpeedrunConfig, per_seed: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean and sample standard deviation (n - 1) of accuracy and time over the seeds."""

    def mean_std(key: str) -> tuple[float, float]:
        values = [float(r[key]) for r in per_seed]
        std = statistics.stdev(values) if len(values) > 1 else 0.0
        return statistics.fmean(values), std

    acc_mean, acc_std = mean_std("test_accuracy")
    sec_mean, sec_std = mean_std("train_seconds")
    return {
        "recipe": NAME,
        "seeds": [r["seed"] for r in per_seed],
        "test_accuracy_mean": acc_mean,
        "test_accuracy_std": acc_std,
        "test_accuracy_min": min(r["test_accuracy"] for r in per_seed),
        "train_seconds_mean": sec_mean,
        "train_seconds_std": sec_std,
        "target_accuracy": config.target_accuracy,
        "reached_target": acc_mean >= config.target_accuracy,
        "every_seed_reached_target": all(
            r["test_accuracy"] >= config.target_accuracy for r in per_seed
        ),
        "parameters": per_seed[0]["parameters"],
        "per_seed": per_seed,
        "reference": REFERENCE,
    }


def describe_setup(config: MnistSpeedrunConfig) -> str:
    """The training setup in one line, as the reference's `setup` states its own."""
    stages = " -> ".join(
        f"conv {c}@{k}x{k} -> pool{' -> bn' if config.batch_norm else ''} -> relu"
        for c, k in zip(config.channels, config.kernel_sizes, strict=False)
    )
    head = f"fc {config.hidden} -> relu -> fc 10" if config.hidden else "fc 10"
    return (
        f"{config.epochs} epoch{'s' if config.epochs != 1 else ''}, batch {config.batch_size}, "
        f"Adam lr {config.lr:g} betas ({config.betas[0]:g}, {config.betas[1]:g}), one-cycle "
        f"(pct_start {config.pct_start:g}) without momentum cycling; {stages} -> {head}"
    )


def tables(summary: dict[str, Any]) -> dict[str, list[dict[str, object]]]:
    seeds = [
        {
            "seed": r["seed"],
            "test accuracy": f"{100 * r['test_accuracy']:.2f}%",
            "train seconds": round(r["train_seconds"], 2),
            "run": r["run_dir"],
        }
        for r in summary["per_seed"]
    ]
    ref = summary["reference"]
    n = len(summary["per_seed"])
    paper_vs_ours = [
        {
            "": "test accuracy (mean ± std over seeds)",
            "paper": f"{100 * ref['test_accuracy_mean']:.2f}% ± "
            f"{100 * ref['test_accuracy_std']:.2f} ({ref['seeds']} seeds)",
            "ours": f"{100 * summary['test_accuracy_mean']:.2f}% ± "
            f"{100 * summary['test_accuracy_std']:.2f} ({n} seeds)",
        },
        {
            "": "seconds (mean ± std)",
            "paper": f"{ref['seconds_mean']:.3f} ± {ref['seconds_std']:.3f} (train + test)",
            "ours": f"{summary['train_seconds_mean']:.2f} ± "
            f"{summary['train_seconds_std']:.2f} (training loop)",
        },
        {"": "hardware", "paper": ref["hardware"], "ours": "this machine's CPU"},
        {"": "setup", "paper": ref["setup"], "ours": summary["setup"]},
    ]
    return {"seeds": seeds, "paper vs ours": paper_vs_ours}
