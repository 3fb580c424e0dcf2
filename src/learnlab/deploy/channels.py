"""Structured (channel) pruning: remove whole convolution filters and build the smaller dense
network, after Li, Kadav, Durdanovic, Samet & Graf (ICLR 2017), "Pruning filters for
efficient convnets".

Each convolution keeps the `keep_fraction` of its filters with the largest L1 norm (the sum
of the absolute kernel weights: the paper's ranking, each layer ranked on its own weights, its
"independent" strategy); at least one filter is kept. Removing filter j of a convolution
removes output channel j, so the layers that read it shrink with it: the batch norm after it
(its scale, shift and running statistics of channel j), the next convolution's input channel
j, or, after the flatten, the first linear layer's columns of channel j (channel-major order:
columns j * HW to (j + 1) * HW - 1). The result is an ordinary dense model with fewer
channels, hence fewer multiply-adds; it computes exactly what the original computes when the
removed channels are zero where the next layer reads them.

Which models: `torch.fx` traces the forward pass, which must be a chain (every operation takes
the previous one's output) of convolutions, optional batch norms, elementwise activations,
pooling and dropout, then a flatten and linear layers (LeNet-5, mnist-cnn, speedrun-cnn,
conv4, grid-cnn of the registry). A convolution whose channels are the model's output (conv4
without a head) keeps them. Anything else (a residual addition, a grouped convolution, a
reshape) is a ConfigError naming what was found.

Example:
    >>> from learnlab.models import build_model
    >>> lenet = build_model("lenet5", (1, 28, 28), 10)
    >>> small = prune_channels(lenet, 0.5)
    >>> small.model.features.conv2.out_channels, small.model.classifier.fc1.in_features
    (8, 200)
"""

from __future__ import annotations

import copy
import math
import numbers
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from learnlab.io.errors import ConfigError

# Operations that act on each channel separately and keep the channel count.
CHANNELWISE = (
    nn.ReLU,
    nn.ReLU6,
    nn.LeakyReLU,
    nn.ELU,
    nn.GELU,
    nn.SiLU,
    nn.Mish,
    nn.Tanh,
    nn.Sigmoid,
    nn.Softplus,
    nn.Hardtanh,
    nn.Identity,
    nn.Dropout,
    nn.Dropout2d,
    nn.MaxPool2d,
    nn.AvgPool2d,
    nn.AdaptiveAvgPool2d,
    nn.AdaptiveMaxPool2d,
)
CHANNELWISE_FUNCTIONS = {"relu", "tanh", "sigmoid", "gelu", "silu", "max_pool2d", "avg_pool2d"}
CHANNELWISE_METHODS = {"contiguous", "relu", "tanh", "sigmoid"}


def check_keep_fraction(value: object, name: str = "keep_fraction") -> float:
    """`value` as a float if it is a number in (0, 1] (the share of each convolution's
    filters kept); else a ConfigError naming `name`."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or not 0 < value <= 1
    ):
        raise ConfigError(
            f"{name} must be a fraction in (0, 1]: the share of each convolution's channels "
            f"kept (e.g. 0.5 keeps half), got {value!r}."
        )
    return float(value)


@dataclass
class Stage:
    """One convolution whose output channels can be cut, and the layers that follow them."""

    conv: str
    norm: str | None = None
    consumer: str | None = None  # the next Conv2d, or the first Linear after the flatten
    consumer_is_linear: bool = False
    flattened: bool = False  # a flatten came after the convolution


@dataclass
class ChannelPruning:
    """The smaller dense model and, per pruned convolution, the indices of the kept filters."""

    model: nn.Module
    kept: dict[str, Tensor] = field(default_factory=dict)
    channels_before: dict[str, int] = field(default_factory=dict)


def _trace(model: nn.Module):
    import torch.fx

    try:
        return torch.fx.symbolic_trace(model)
    except Exception as error:  # fx raises many kinds: data-dependent control flow, ...
        raise ConfigError(
            f"channel pruning traces the forward pass with torch.fx, which failed on "
            f"{type(model).__name__}: {type(error).__name__}: {error}"
        ) from error


def _kind(node, modules: dict[str, nn.Module]) -> str:
    """'conv', 'norm', 'linear', 'flatten', 'channelwise' or a description of what it is."""
    if node.op == "call_module":
        module = modules[node.target]
        if isinstance(module, nn.Conv2d):
            return "conv" if module.groups == 1 else f"grouped Conv2d {node.target!r}"
        if isinstance(module, nn.BatchNorm2d):
            return "norm"
        if isinstance(module, nn.Linear):
            return "linear"
        if isinstance(module, nn.Flatten):
            return (
                "flatten" if module.start_dim == 1 else f"Flatten(start_dim != 1) {node.target!r}"
            )
        if isinstance(module, CHANNELWISE):
            return "channelwise"
        return f"{type(module).__name__} {node.target!r}"
    name = getattr(node.target, "__name__", str(node.target))
    if (
        node.op == "call_method"
        and name == "flatten"
        or node.op == "call_function"
        and name == "flatten"
    ):
        return "flatten"
    if node.op == "call_method" and name in CHANNELWISE_METHODS:
        return "channelwise"
    if node.op == "call_function" and name in CHANNELWISE_FUNCTIONS:
        return "channelwise"
    return f"{node.op} {name!r}"


def find_stages(model: nn.Module) -> list[Stage]:
    """The prunable convolutions of `model` in order, with the layers that read their
    channels; a ConfigError if the forward pass is not a chain this module can cut."""
    graph = _trace(model)
    modules = dict(graph.named_modules())
    stages: list[Stage] = []
    open_stage: Stage | None = None  # a convolution whose channels are still flowing
    previous = None
    for node in graph.graph.nodes:
        if node.op in ("placeholder", "get_attr"):
            previous = node if node.op == "placeholder" else previous
            continue
        if node.op == "output" or open_stage is None and stages and stages[-1].consumer_is_linear:
            break  # past the first linear layer nothing depends on the channels
        if node.all_input_nodes != [previous]:
            raise ConfigError(
                f"channel pruning needs a chain of layers, but {node.name!r} of "
                f"{type(model).__name__} reads {[n.name for n in node.all_input_nodes]} "
                "(a branch or a residual connection)."
            )
        previous = node
        kind = _kind(node, modules)
        if kind == "conv":
            if open_stage is not None:
                open_stage.consumer = node.target
                stages.append(open_stage)
            open_stage = Stage(conv=node.target)
        elif kind == "norm" and open_stage is not None and open_stage.norm is None:
            open_stage.norm = node.target
        elif kind == "linear" and open_stage is not None:
            if not open_stage.flattened:
                raise ConfigError(f"{node.target!r} reads convolution maps without a flatten.")
            open_stage.consumer, open_stage.consumer_is_linear = node.target, True
            stages.append(open_stage)
            open_stage = None
        elif kind == "flatten" and open_stage is not None:
            open_stage.flattened = True
        elif kind not in ("channelwise", "flatten") and (
            open_stage is not None or kind.startswith("grouped")
        ):
            raise ConfigError(
                f"channel pruning cannot see through {kind} in {type(model).__name__} (it "
                "handles Conv2d -> [BatchNorm2d] -> activation/pool/dropout chains, then a "
                "flatten and Linear layers)."
            )
    if not stages:
        kinds = sorted({type(m).__name__ for m in model.modules() if not list(m.children())})
        raise ConfigError(
            f"channel pruning found no convolution whose channels a later layer reads in "
            f"{type(model).__name__} (its layers: {', '.join(kinds)}); it needs nn.Conv2d "
            "layers followed by another Conv2d or a flatten and a Linear layer."
        )
    return stages


def filter_l1_norms(conv: nn.Conv2d) -> Tensor:
    """Per output channel, the sum of the absolute weights of its filter."""
    return conv.weight.detach().abs().sum(dim=(1, 2, 3))


def kept_filters(conv: nn.Conv2d, keep_fraction: float) -> Tensor:
    """The sorted indices of the max(1, round(keep_fraction * C)) filters of largest L1 norm
    (ties to the lower index)."""
    keep = max(1, round(keep_fraction * conv.out_channels))
    order = torch.sort(-filter_l1_norms(conv), stable=True).indices
    return torch.sort(order[:keep]).values


def _cut(param: Tensor, index: Tensor, dim: int) -> nn.Parameter:
    return nn.Parameter(param.detach().index_select(dim, index).clone(), param.requires_grad)


@torch.no_grad()
def _shrink(modules: dict[str, nn.Module], stage: Stage, kept: Tensor) -> None:
    conv = modules[stage.conv]
    before = conv.out_channels
    conv.weight = _cut(conv.weight, kept, 0)
    if conv.bias is not None:
        conv.bias = _cut(conv.bias, kept, 0)
    conv.out_channels = len(kept)
    if stage.norm is not None:
        norm = modules[stage.norm]
        if norm.affine:
            norm.weight, norm.bias = _cut(norm.weight, kept, 0), _cut(norm.bias, kept, 0)
        if norm.track_running_stats:
            norm.running_mean = norm.running_mean.index_select(0, kept).clone()
            norm.running_var = norm.running_var.index_select(0, kept).clone()
        norm.num_features = len(kept)
    consumer = modules[stage.consumer]
    if stage.consumer_is_linear:
        if consumer.in_features % before:
            raise ConfigError(
                f"{stage.consumer!r} has {consumer.in_features} inputs, not a multiple of the "
                f"{before} channels of {stage.conv!r}: it does not read the flattened maps."
            )
        spatial = consumer.in_features // before
        columns = (kept[:, None] * spatial + torch.arange(spatial)).flatten()
        consumer.weight = _cut(consumer.weight, columns, 1)
        consumer.in_features = len(columns)
    else:
        consumer.weight = _cut(consumer.weight, kept, 1)
        consumer.in_channels = len(kept)


def prune_channels(model: nn.Module, keep_fraction: float) -> ChannelPruning:
    """A smaller dense copy of `model`: each prunable convolution keeps `keep_fraction` of
    its filters (those of largest L1 norm), the layers after it cut to match. The original is
    unchanged."""
    keep_fraction = check_keep_fraction(keep_fraction)
    stages = find_stages(model)
    small = copy.deepcopy(model)
    modules = dict(small.named_modules())
    result = ChannelPruning(small)
    for stage in stages:
        conv = modules[stage.conv]
        result.channels_before[stage.conv] = conv.out_channels
        result.kept[stage.conv] = kept_filters(conv, keep_fraction)
    for stage in stages:
        _shrink(modules, stage, result.kept[stage.conv])
    return result
