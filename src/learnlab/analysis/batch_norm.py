"""Which statistics a model's batch-norm layers normalise with while an analysis evaluates it.

"running": the running mean and variance gathered in training (eval mode, as the model is
used for prediction). "batch": the statistics of the batch being evaluated, as in training
and as Keras 1's `BatchNormalization(mode=2)` did at test time too; a perturbed layer is then
renormalised, so a change of scale or shift that batch norm undoes does not change the loss.
In "batch" mode PyTorch updates the running buffers at each forward pass: they are put back
bit for bit afterwards.

Example (one normalised feature; the batch's own statistics make it zero-mean):
    >>> import torch
    >>> model = torch.nn.BatchNorm1d(1).eval()
    >>> x = torch.tensor([[1.0], [3.0]])
    >>> with batch_norm_statistics(model, "batch"):
    ...     [round(v, 3) for v in model(x).squeeze(1).tolist()]
    [-1.0, 1.0]
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from torch import nn

from learnlab.io.errors import ConfigError

BATCH_NORM_MODES = ("running", "batch")
_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)


def check_batch_norm_mode(mode: str) -> str:
    if mode not in BATCH_NORM_MODES:
        raise ConfigError(
            f"batch_norm={mode!r}: choose 'running' (batch norm with its running statistics, "
            "eval mode) or 'batch' (with the statistics of the evaluated batch)."
        )
    return mode


@contextlib.contextmanager
def batch_norm_statistics(model: nn.Module, mode: str) -> Iterator[nn.Module]:
    """Inside: every batch-norm layer of `model` in train mode ("batch") or eval mode
    ("running"), the other modules as they were; after, even on an error: each layer's mode
    and running buffers (mean, variance, batch count) exactly as before."""
    check_batch_norm_mode(mode)
    norms = [m for m in model.modules() if isinstance(m, _NORMS)]
    modes = [m.training for m in norms]
    buffers = [{k: b.clone() for k, b in m.named_buffers(recurse=False)} for m in norms]
    try:
        for norm in norms:
            norm.training = mode == "batch"
        yield model
    finally:
        for norm, training, saved in zip(norms, modes, buffers, strict=True):
            norm.training = training
            for name, value in saved.items():
                getattr(norm, name).copy_(value)
