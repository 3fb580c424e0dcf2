"""One seed of the compression recipe: the compressed variants of a trained model, each
measured on the same test images (accuracy), as a saved file (size) and on the same batch
side by side with the original (latency)."""

from __future__ import annotations

from typing import Any

from torch import Tensor, nn

from learnlab.recipes.compression.config import CompressionConfig

ORIGINAL = "original"
INT8 = "int8_dynamic"


def magnitude_key(sparsity: float) -> str:
    return f"magnitude_{round(100 * sparsity):d}"


def channels_key(fraction: float, fine_tuned: bool) -> str:
    return f"channels_{round(100 * fraction):d}" + ("_finetuned" if fine_tuned else "")


def label(key: str) -> str:
    """The table's name of a variant key."""
    if key.startswith("magnitude_"):
        return f"magnitude-pruned, {key.split('_')[1]}% of weights zero"
    if key.startswith("channels_"):
        tuned = " + fine-tuning" if key.endswith("_finetuned") else ""
        return f"channel-pruned, {key.split('_')[1]}% of filters kept{tuned}"
    return {ORIGINAL: "original (float32)", INT8: "int8 dynamic (Linear/LSTM)"}[key]


def mlp_variants(model: nn.Module, config: CompressionConfig) -> dict[str, nn.Module]:
    from learnlab.deploy.magnitude import magnitude_prune
    from learnlab.deploy.quantize import quantize_dynamic_int8

    variants = {ORIGINAL: model}
    variants |= {magnitude_key(s): magnitude_prune(model, s) for s in config.sparsities}
    variants[INT8] = quantize_dynamic_int8(model)
    return variants


def conv_variants(
    model: nn.Module, train: tuple[Tensor, Tensor], config: CompressionConfig, seed: int
) -> dict[str, nn.Module]:
    """The MLP's variants plus the channel-pruned model, before and after fine-tuning on the
    training images (never on the test set)."""
    from learnlab.deploy.channels import prune_channels
    from learnlab.deploy.fine_tune import fine_tune

    variants = mlp_variants(model, config)
    quantised = variants.pop(INT8)
    small = prune_channels(model, config.channel_fraction).model
    variants[channels_key(config.channel_fraction, False)] = small
    if config.fine_tune_epochs > 0:
        tuned = prune_channels(model, config.channel_fraction).model
        fine_tune(
            tuned,
            *train,
            epochs=config.fine_tune_epochs,
            lr=config.fine_tune_lr,
            momentum=config.momentum,
            batch_size=config.batch_size,
            seed=seed,
        )
        variants[channels_key(config.channel_fraction, True)] = tuned
    variants[INT8] = quantised
    return variants


def measure_variants(
    variants: dict[str, nn.Module], test: tuple[Tensor, Tensor], config: CompressionConfig
) -> dict[str, dict[str, Any]]:
    """Per variant: test accuracy (%), saved size (bytes), non-zero parameters, median
    latency (s) on the first `latency_batch` test images, all timed side by side."""
    from learnlab.deploy.measure import accuracy, median_latencies, saved_size_bytes

    x, y = test
    latencies = median_latencies(variants, x[: config.latency_batch], config.latency_repeats)
    return {
        key: {
            "accuracy": 100 * accuracy(model, x, y),
            "size": saved_size_bytes(model),
            "nonzero": _nonzero(model),
            "latency": latencies[key],
        }
        for key, model in variants.items()
    }


def _nonzero(model: nn.Module) -> int:
    """Non-zero float parameters; a quantised layer's packed weights count as dense."""
    import torch

    count = sum(int((p != 0).sum()) for p in model.parameters())
    for module in model.modules():
        weight = getattr(module, "weight", None)
        if callable(weight) and not isinstance(weight, nn.Parameter):  # quantised Linear
            count += int((weight().dequantize() != 0).sum())
            bias = module.bias()
            count += int((bias != 0).sum()) if isinstance(bias, torch.Tensor) else 0
    return count
