"""Weight initialisation by name: Glorot (Xavier) and He (Kaiming), built on torch.nn.init.

Papers: Glorot & Bengio (2010) "Understanding the difficulty of training deep feedforward
neural networks"; He, Zhang, Ren & Sun (2015) "Delving deep into rectifiers: surpassing
human-level performance on ImageNet classification".

For a layer with m = fan_in inputs and n = fan_out outputs (for a convolution, fan_in =
in_channels * kernel volume and fan_out = out_channels * kernel volume):

    glorot_uniform   W ~ U[-sqrt(6/(m+n)), sqrt(6/(m+n))]   (the lecture's normalized init)
    glorot_normal    W ~ N(0, 2/(m+n))
    he_uniform       W ~ U[-sqrt(6/m), sqrt(6/m)]            (for ReLU layers)
    he_normal        W ~ N(0, 2/m)

Glorot keeps the variance of activations and of gradients about equal across layers (a
compromise between forward and backward); He doubles the forward variance to make up for
ReLU zeroing half of its inputs. Every nn.Linear and nn.Conv{1,2,3}d weight gets the named
distribution and its bias is zeroed; other modules (normalisation layers, embeddings...) keep
PyTorch's initialisation. "default" changes nothing.

Example:
    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    >>> model = initialize(model, "he_normal", generator=torch.Generator().manual_seed(0))
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from learnlab.io.errors import ConfigError, unknown_name

INIT_NAMES: tuple[str, ...] = (
    "default",
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
)

_DESCRIPTIONS: dict[str, str] = {
    "default": "PyTorch's own initialisation (unchanged)",
    "glorot_uniform": "Glorot & Bengio (2010): U[-a, a], a = sqrt(6/(fan_in+fan_out)); bias 0",
    "glorot_normal": "Glorot & Bengio (2010): N(0, 2/(fan_in+fan_out)); bias 0",
    "he_uniform": "He et al. (2015): U[-a, a], a = sqrt(6/fan_in), for ReLU; bias 0",
    "he_normal": "He et al. (2015): N(0, 2/fan_in), for ReLU; bias 0",
}

_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)

Sampler = Callable[[torch.Tensor, torch.Generator | None], torch.Tensor]

_SAMPLERS: dict[str, Sampler] = {
    "glorot_uniform": lambda w, g: nn.init.xavier_uniform_(w, gain=1.0, generator=g),
    "glorot_normal": lambda w, g: nn.init.xavier_normal_(w, gain=1.0, generator=g),
    "he_uniform": lambda w, g: nn.init.kaiming_uniform_(
        w, mode="fan_in", nonlinearity="relu", generator=g
    ),
    "he_normal": lambda w, g: nn.init.kaiming_normal_(
        w, mode="fan_in", nonlinearity="relu", generator=g
    ),
}


def _check_name(name: str) -> None:
    if name not in INIT_NAMES:
        raise unknown_name("initialisation", name, INIT_NAMES)


def init_description(name: str) -> str:
    """One line describing initialisation `name` (for `learnlab list`)."""
    _check_name(name)
    return _DESCRIPTIONS[name]


def _sample_into(weight: torch.Tensor, sampler: Sampler, generator: torch.Generator | None) -> None:
    if generator is None or generator.device == weight.device:
        sampler(weight, generator)
        return
    # A generator only feeds tensors on its own device: draw there and copy, so that the
    # same seed gives the same weights whatever device the model lives on.
    draw = torch.empty(weight.shape, dtype=weight.dtype, device=generator.device)
    sampler(draw, generator)
    with torch.no_grad():
        weight.copy_(draw)


def initialize(model: nn.Module, name: str, generator: torch.Generator | None = None) -> nn.Module:
    """Initialise every Linear/Conv weight of `model` in place with scheme `name`; return it.

    Layers are visited in `model.modules()` order, so one generator seed gives one result.
    Without a generator, torch's global random state is used.

    Raises:
        ConfigError: unknown name, or a lazy layer whose shape is not known yet.
    """
    _check_name(name)
    if name == "default":
        return model
    sampler = _SAMPLERS[name]
    for module in model.modules():
        if not isinstance(module, _LAYERS):
            continue
        if isinstance(module.weight, nn.parameter.UninitializedParameter):
            raise ConfigError(
                f"cannot initialise lazy layer {module!r} before its shape is known; run one"
                " forward pass on a batch first, then call initialize"
            )
        _sample_into(module.weight, sampler, generator)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    return model
