"""The compression Result: per model and variant, the means over the seeds (with their
spreads) of test accuracy, its paired change against the original, file size and its ratio,
latency and the speed-up; the table, the figure and the issue's targets."""

from __future__ import annotations

import statistics
from typing import Any

from learnlab.recipes.compression.config import CompressionConfig
from learnlab.recipes.compression.measured import INT8, ORIGINAL, channels_key, label
from learnlab.recipes.seeds import spread_keys
from learnlab.result import FigureSpec, Result

NAME = "compression"
MAX_INT8_LOSS = 0.5  # points of accuracy (issue 18)
MIN_INT8_SHRINK = 3.0


def _mean(summary: dict[str, Any], key: str, values: list[float]) -> None:
    summary[key] = statistics.fmean(values)
    summary |= spread_keys(key, values)


def summarize(models: dict[str, list[dict]], config: CompressionConfig) -> dict[str, Any]:
    """`models`: model name -> per seed, variant -> measurements (measured.measure_variants)."""
    summary: dict[str, Any] = {"recipe": NAME, "seeds": config.seeds, "epochs": config.epochs}
    for model, seeds in models.items():
        original = {f: _values(seeds, ORIGINAL, f) for f in ("accuracy", "size", "latency")}
        for key in seeds[0]:
            base = f"{model}_{key}"
            accuracy, size = _values(seeds, key, "accuracy"), _values(seeds, key, "size")
            latency = _values(seeds, key, "latency")
            _mean(summary, f"{base}_test_accuracy", accuracy)
            changes = [a - o for a, o in zip(accuracy, original["accuracy"], strict=True)]
            _mean(summary, f"{base}_change_points", changes)
            summary[f"{base}_size_bytes"] = statistics.fmean(size)
            ratios = [o / s for o, s in zip(original["size"], size, strict=True)]
            summary[f"{base}_size_ratio"] = statistics.fmean(ratios)
            summary[f"{base}_nonzero"] = statistics.fmean(_values(seeds, key, "nonzero"))
            summary[f"{base}_latency_ms"] = 1000 * statistics.fmean(latency)
            speedups = [o / t for o, t in zip(original["latency"], latency, strict=True)]
            _mean(summary, f"{base}_speedup", speedups)
    _targets(summary, config)
    return summary


def _values(seeds: list[dict], key: str, field: str) -> list[float]:
    """One measurement of one variant, per seed."""
    return [float(s[key][field]) for s in seeds]


def _targets(summary: dict[str, Any], config: CompressionConfig) -> None:
    summary["target_int8_accuracy_met"] = summary[f"mlp_{INT8}_change_points"] >= -MAX_INT8_LOSS
    summary["target_int8_size_met"] = summary[f"mlp_{INT8}_size_ratio"] >= MIN_INT8_SHRINK
    tuned = channels_key(config.channel_fraction, config.fine_tune_epochs > 0)
    speedup = f"conv_{tuned}_speedup"
    summary["channel_variant"] = tuned
    summary["target_channel_speedup_met"] = summary.get(f"{speedup}_min", summary[speedup]) > 1


def _spread(summary: dict[str, Any], key: str, digits: int = 2) -> str:
    std = summary.get(f"{key}_std")
    return f"{summary[key]:.{digits}f}" + (f" +- {std:.{digits}f}" if std is not None else "")


def _table(summary: dict[str, Any], models: dict[str, list[dict]], titles: dict[str, str]):
    rows = []
    for model, seeds in models.items():
        for key in seeds[0]:
            base = f"{model}_{key}"
            rows.append(
                {
                    "model": titles[model],
                    "variant": label(key),
                    "test accuracy (%)": _spread(summary, f"{base}_test_accuracy"),
                    "change (points)": _spread(summary, f"{base}_change_points"),
                    "non-zero parameters": f"{summary[f'{base}_nonzero']:,.0f}",
                    "file (KB)": f"{summary[f'{base}_size_bytes'] / 1024:.1f}",
                    "size ratio": f"{summary[f'{base}_size_ratio']:.2f}x",
                    "latency (ms)": f"{summary[f'{base}_latency_ms']:.3f}",
                    "speed-up": _spread(summary, f"{base}_speedup") + "x",
                }
            )
    return rows


def _figure(models: dict[str, list[dict]], titles: dict[str, str]) -> FigureSpec:
    import torch

    width = max(len(seeds[0]) for seeds in models.values())
    shape = (len(models), width, len(next(iter(models.values()))))
    nonzero, accuracy = torch.full(shape, float("nan")), torch.full(shape, float("nan"))
    labels = []
    for m, seeds in enumerate(models.values()):
        labels.append([label(key) for key in seeds[0]])
        for v, key in enumerate(seeds[0]):
            nonzero[m, v] = torch.tensor([float(s[key]["nonzero"]) for s in seeds])
            accuracy[m, v] = torch.tensor([float(s[key]["accuracy"]) for s in seeds])
    from learnlab.recipes.compression.figures import compression_figure

    data = {"models": [titles[m] for m in models], "labels": labels}
    return FigureSpec(
        "test accuracy against non-zero parameters",
        compression_figure,
        data | {"nonzero": nonzero, "accuracy": accuracy},
    )


def result(
    config: CompressionConfig,
    models: dict[str, list[dict]],
    titles: dict[str, str],
    distillation: tuple[dict | None, list[dict[str, str]]],
    seconds: float,
) -> Result:
    from learnlab.recipes.compression.distilled import distillation_note

    summary = summarize(models, config)
    summary["seconds"] = seconds
    entry, distilled_rows = distillation
    summary["distillation_run"] = entry.get("name", str(entry["run_dir"])) if entry else ""
    tuned = summary["channel_variant"]
    tables = {
        "each model and variant (mean over the seeds +- std)": _table(summary, models, titles)
    }
    if distilled_rows:
        tables["distillation"] = distilled_rows
    return Result(
        kind=NAME,
        title=f"{NAME}: pruning and int8 quantisation of an MLP and {titles['conv']} on MNIST",
        summary=summary,
        notes=_notes(config, summary, titles) + [distillation_note(entry)],
        tables=tables,
        figures=[_figure(models, titles)],
        index={"dataset": "mnist", "model": f"mlp, {config.conv_model}"},
        headline=(
            f"[bold]{NAME}[/]: MLP int8 {summary[f'mlp_{INT8}_change_points']:+.2f} points, "
            f"{summary[f'mlp_{INT8}_size_ratio']:.2f}x smaller; {titles['conv']} {label(tuned)}: "
            f"{summary[f'conv_{tuned}_change_points']:+.2f} points, "
            f"{summary[f'conv_{tuned}_speedup']:.2f}x faster"
        ),
    )


def _met(flag: bool) -> str:
    return "met" if flag else "NOT met"


def _notes(config: CompressionConfig, summary: dict[str, Any], titles: dict[str, str]) -> list[str]:
    seeds = config.seed_list()
    tuned = summary["channel_variant"]
    return [
        f"{titles['mlp']} and {titles['conv']} trained on MNIST ({config.epochs} epochs of SGD "
        f"with momentum {config.momentum:g}, lr {config.lr:g}, cosine schedule, batch "
        f"{config.batch_size}), seeds {seeds[0]} to {seeds[-1]}; test accuracy on "
        f"{config.limit_test or 'all 10,000'} test images. Sizes are torch.save files of the "
        "state dict; latency is the median of "
        f"{config.latency_repeats} forward passes of a batch of {config.latency_batch}, the "
        "variants of a model timed side by side, on "
        "a machine shared with other jobs: compare the ratios, not the times. "
        f"{summary['seconds']:.0f} s.",
        "Magnitude pruning only writes zeros: the dense file and the dense latency stay the same "
        "(no gain without a sparse format or sparse kernels). Channel pruning builds a smaller "
        f"dense network (Li et al. 2017, filters ranked by L1 norm), fine-tuned for "
        f"{config.fine_tune_epochs} epoch(s) on the training images. Dynamic int8 quantisation "
        "covers Linear (and LSTM) layers only; the convolutions stay float32.",
        f"Targets: MLP int8 loses <= {MAX_INT8_LOSS:g} points "
        f"({summary[f'mlp_{INT8}_change_points']:+.2f}): "
        f"{_met(summary['target_int8_accuracy_met'])}; its file >= {MIN_INT8_SHRINK:g}x smaller "
        f"({summary[f'mlp_{INT8}_size_ratio']:.2f}x): {_met(summary['target_int8_size_met'])}; "
        f"{titles['conv']} {label(tuned)} faster than the original on every seed "
        f"({_spread(summary, f'conv_{tuned}_speedup')}x, accuracy "
        f"{_spread(summary, f'conv_{tuned}_change_points')} points): "
        f"{_met(summary['target_channel_speedup_met'])}.",
    ]
