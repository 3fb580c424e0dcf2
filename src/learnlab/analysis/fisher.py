"""The diagonal of the Fisher information of a classifier, from per-example gradients.

For a model p(y | x, theta) and inputs x_1..x_N, the Fisher information is
F = (1/N) sum_n E_{y ~ p(.|x_n, theta)} [g g^T] with g = grad_theta log p(y | x_n, theta); its
diagonal F_i is the mean squared per-example gradient of parameter i. Two estimates, chosen by
`kind`:

    "true"       y drawn from the model's own predictive distribution p(. | x_n, theta), one
                 draw per example (from `seed`): an unbiased estimate of the Fisher above.
                 Kirkpatrick et al. (2017, EWC) use this Fisher.
    "empirical"  y the data's labels: the "empirical Fisher", the mean squared gradient of the
                 training loss's terms. It equals the true Fisher only where the model's
                 predictions match the labels' distribution; it is what many EWC codes compute.

The per-example gradients come from `torch.func` (`vmap` of `grad` over a batch, the model
called by `functional_call` on its own parameters and buffers), in batches of `batch_size`
examples: a few batched backward passes instead of one backward per example. The model is
evaluated in eval mode (dropout off, batch norm by its running statistics) and left as it came
(`preserved_model_state`).

Example:
    >>> import torch
    >>> model = torch.nn.Linear(3, 2)
    >>> x, y = torch.randn(10, 3), torch.randint(0, 2, (10,))
    >>> fisher = fisher_diagonal(model, (x, y), kind="empirical")
    >>> sorted(fisher.values), fisher.values["weight"].shape, fisher.examples
    (['bias', 'weight'], torch.Size([2, 3]), 10)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor, nn

from learnlab.analysis.base import preserved_model_state
from learnlab.io.errors import ConfigError

FisherKind = Literal["true", "empirical"]
FISHER_KINDS: tuple[str, ...] = ("true", "empirical")


@dataclass(frozen=True)
class FisherDiagonal:
    """`values`: parameter name (as in `named_parameters`) -> F_i, a tensor of the parameter's
    shape (detached, on the parameters' device); `kind`: "true" or "empirical"; `examples`: N."""

    values: dict[str, Tensor]
    kind: str
    examples: int

    def total(self) -> float:
        """The trace of the Fisher: sum_i F_i."""
        return float(sum(v.sum() for v in self.values.values()))


def fisher_diagonal(
    model: nn.Module,
    data: Sequence[Tensor],
    *,
    kind: FisherKind = "true",
    batch_size: int = 256,
    seed: int = 0,
) -> FisherDiagonal:
    """The diagonal Fisher of a classifier `model` (inputs -> logits, shape (N, C)) on
    `data = (x, y)`: every example of x, and y only for `kind="empirical"`."""
    from torch.func import functional_call, grad, vmap

    x, y = _checked(data, kind, batch_size)
    names = [name for name, _ in model.named_parameters()]
    sums = {name: torch.zeros_like(p, dtype=p.dtype) for name, p in model.named_parameters()}
    draws = torch.Generator().manual_seed(seed)
    with preserved_model_state(model):
        params = {name: p.detach() for name, p in model.named_parameters()}
        buffers = {name: b.detach() for name, b in model.named_buffers()}

        def log_likelihood(p: dict[str, Tensor], xi: Tensor, yi: Tensor) -> Tensor:
            logits = functional_call(model, (p, buffers), (xi.unsqueeze(0),))
            # a gather, not [0, yi]: vmap cannot index by a batched tensor's value
            return torch.log_softmax(logits, dim=-1)[0].gather(0, yi.unsqueeze(0)).squeeze(0)

        per_example = vmap(grad(log_likelihood), in_dims=(None, 0, 0))
        for start in range(0, len(x), batch_size):
            xb = x[start : start + batch_size]
            yb = _labels(model, xb, y, start, kind, draws)
            grads = per_example(params, xb, yb)
            for name in names:
                sums[name] += grads[name].pow(2).sum(dim=0)
    return FisherDiagonal({n: s / len(x) for n, s in sums.items()}, kind, len(x))


def _labels(
    model: nn.Module, xb: Tensor, y: Tensor | None, start: int, kind: str, draws: torch.Generator
) -> Tensor:
    """The batch's labels: the data's, or one draw per example from the model's softmax."""
    if kind == "empirical":
        assert y is not None
        return y[start : start + len(xb)].to(device=xb.device, dtype=torch.long)
    with torch.no_grad():
        probabilities = torch.softmax(model(xb), dim=-1).to("cpu", torch.float64)
    if not bool(torch.isfinite(probabilities).all()):
        raise ValueError("the model's predictions are not finite (NaN or inf): no Fisher.")
    return torch.multinomial(probabilities, 1, generator=draws).squeeze(1).to(xb.device)


def _checked(data: Sequence[Tensor], kind: str, batch_size: int) -> tuple[Tensor, Tensor | None]:
    if kind not in FISHER_KINDS:
        raise ConfigError(
            f"fisher kind={kind!r} is not one of {FISHER_KINDS}: 'true' samples the labels from "
            "the model's predictive distribution, 'empirical' uses the data's labels."
        )
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ConfigError(f"fisher batch_size must be a positive integer, got {batch_size!r}.")
    if not isinstance(data, (tuple, list)) or not data or not isinstance(data[0], Tensor):
        raise ConfigError("fisher_diagonal needs data = (x, y): a tensor of inputs and labels.")
    x = data[0]
    if len(x) == 0:
        raise ConfigError("fisher_diagonal needs at least one example; x is empty.")
    y = data[1] if len(data) > 1 else None
    if kind == "empirical" and (y is None or len(y) != len(x)):
        raise ConfigError(
            "the empirical Fisher needs one label per input: data = (x, y) with len(y) == len(x)."
        )
    return x, y
