"""Whether an attack worked, read by predicting its outputs again, and how large its change is.

Example:
    >>> import torch
    >>> from torch import nn
    >>> model = nn.Linear(2, 2, bias=False)
    >>> with torch.no_grad():
    ...     _ = model.weight.copy_(torch.eye(2))
    >>> x, y = torch.tensor([[0.9, 0.1], [0.2, 0.8]]), torch.tensor([0, 1])
    >>> attack_success(model, torch.tensor([[0.1, 0.9], [0.2, 0.8]]), y).tolist()
    [True, False]
"""

from __future__ import annotations

import torch
from torch import nn

from learnlab.analysis.base import preserved_model_state
from learnlab.io.errors import ConfigError


@torch.no_grad()
def predictions(model: nn.Module, x: torch.Tensor, *, batch_size: int = 1024) -> torch.Tensor:
    """The model's predicted class of each input (eval mode, in batches); the model is left as
    it came."""
    with preserved_model_state(model):
        device = next(model.parameters()).device
        return torch.cat(
            [
                model(x[i : i + batch_size].to(device)).argmax(dim=1).cpu()
                for i in range(0, x.shape[0], batch_size)
            ]
        )


def attack_success(
    model: nn.Module,
    x_adv: torch.Tensor,
    y: torch.Tensor,
    *,
    target: torch.Tensor | None = None,
    batch_size: int = 1024,
) -> torch.Tensor:
    """Per example, True where the attack worked: the model's prediction of `x_adv` differs
    from the label `y` (untargeted), or equals `target` (targeted)."""
    predicted = predictions(model, x_adv, batch_size=batch_size)
    if target is not None:
        return predicted == target.cpu()
    return predicted != y.cpu()


def distortion(x: torch.Tensor, x_adv: torch.Tensor, norm: str = "2") -> torch.Tensor:
    """Per example, the size of the change: its L2 norm divided by sqrt(number of inputs)
    (`norm="rms"`, Szegedy et al.'s measure of distortion), its L2 norm (`"2"`) or its largest
    absolute entry (`"inf"`)."""
    change = (x_adv - x).reshape(x.shape[0], -1).double()
    if norm == "inf":
        return change.abs().amax(dim=1)
    if norm == "2":
        return change.norm(dim=1)
    if norm == "rms":
        return change.norm(dim=1) / change.shape[1] ** 0.5
    raise ConfigError(f"norm={norm!r}; choose 'inf', '2' or 'rms'.")
