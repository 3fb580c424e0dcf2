"""Dynamic int8 quantisation of the nn.Linear and nn.LSTM layers of a trained model.

Dynamic quantisation (PyTorch's eager-mode `quantize_dynamic`) stores each weight matrix in
int8 with one float scale (per tensor), and quantises the activations on the fly, batch by
batch, from their observed range: no calibration data, no retraining. A float32 weight takes 4
bytes, an int8 one 1, so the weights shrink about 4x; on the CPU the int8 matrix products (the
fbgemm or qnnpack kernels) may also be faster. Convolutions are left in float: dynamic
quantisation covers only Linear and recurrent layers.

The API. In torch 2.13, `torch.ao.quantization` warns on import that it is deprecated ("will
be removed in 2.10", a date already passed) in favour of the separate torchao package
(`torchao.quantization.quantize_` with `Int8DynamicActivationInt8WeightConfig`). torchao is
not a dependency of learnlab, and the eager API still works in 2.13, so this module uses it
and silences only that DeprecationWarning, inside the call. The quantised model is for
inference on the CPU; its state dict holds packed parameters that safetensors cannot store
(`learnlab.deploy.measure.saved_size_bytes` measures a `torch.save` of it).

Example:
    >>> model = torch.nn.Sequential(torch.nn.Linear(8, 4))
    >>> quantize_dynamic_int8(model)[0]._get_name()
    'DynamicQuantizedLinear'
"""

from __future__ import annotations

import copy
import warnings

import torch
from torch import nn

QUANTISED_TYPES = (nn.Linear, nn.LSTM)


def quantize_dynamic_int8(model: nn.Module) -> nn.Module:
    """A copy of `model` (in eval mode) whose nn.Linear and nn.LSTM layers have int8 weights
    and dynamically quantised activations; the original is unchanged (a bare Linear or LSTM
    comes back as the single layer of an nn.Sequential). A ConfigError if the
    model has neither layer (there would be nothing to quantise)."""
    from learnlab.io.errors import ConfigError

    found = [type(m).__name__ for m in model.modules() if isinstance(m, QUANTISED_TYPES)]
    if not found:
        kinds = sorted({type(m).__name__ for m in model.modules()})
        raise ConfigError(
            "dynamic int8 quantisation covers nn.Linear and nn.LSTM layers; the model has only "
            f"{', '.join(kinds)}."
        )
    float_copy = copy.deepcopy(model).eval()
    if isinstance(float_copy, QUANTISED_TYPES):
        # quantize_dynamic swaps children only: a bare layer goes into a container first
        float_copy = nn.Sequential(float_copy)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"torch\.ao")
        warnings.filterwarnings("ignore", message=r".*torch\.ao\.quantization is deprecated")
        warnings.filterwarnings("ignore", message=r".*quantize_per_tensor.*deprecated")
        from torch.ao.quantization import quantize_dynamic

        return quantize_dynamic(float_copy, set(QUANTISED_TYPES), dtype=torch.qint8)
