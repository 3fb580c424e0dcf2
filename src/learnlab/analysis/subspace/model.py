"""Subspace training (Li, Farkhoor, Liu & Yosinski, ICLR 2018): a model whose D parameters are
theta = theta_0 + P theta_d, with theta_0 the model's initial parameters, P a fixed random
D x d projection and theta_d (d values, starting at zero) the only thing trained.

`SubspaceModel(model, d, projection="sparse", seed=0)` wraps a copy of `model`: the copy's
parameters become buffers (theta_0, saved with the state dict), `theta_d` is the wrapper's
only `nn.Parameter`, and every forward pass computes P theta_d once and calls the copy with
theta_0 + P theta_d (`torch.func.functional_call`). So the ordinary `Trainer` and any torch
optimizer train it as they train any model, and the model given is left as it came.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import torch
from torch import nn

from learnlab.analysis.subspace.base import IdentityProjection, Projection
from learnlab.io.errors import ConfigError

ProjectionName = Literal["dense", "sparse", "fastfood", "identity"]
PROJECTIONS: tuple[str, ...] = ("dense", "sparse", "fastfood", "identity")


def make_projection(name: str, d: int, D: int, seed: int = 0) -> Projection:
    """The projection `name` ("dense", "sparse", "fastfood" or "identity", which needs d = D)."""
    from learnlab.analysis.subspace.dense import DenseProjection
    from learnlab.analysis.subspace.fastfood import FastfoodProjection
    from learnlab.analysis.subspace.sparse import SparseProjection

    kinds: dict[str, type[Projection]] = {
        "dense": DenseProjection,
        "sparse": SparseProjection,
        "fastfood": FastfoodProjection,
        "identity": IdentityProjection,
    }
    if name not in kinds:
        raise ConfigError(f"projection must be one of {', '.join(PROJECTIONS)}; got {name!r}.")
    return kinds[name](d, D, seed)


def _freeze_into_buffers(module: nn.Module) -> list[tuple[str, torch.Size]]:
    """Turn every parameter of `module` into a buffer of the same name (in place, on a copy);
    return (name, shape) of each, in `named_parameters` order."""
    layout = [(name, p.shape) for name, p in module.named_parameters()]
    for name, _ in layout:
        owner_name, _, leaf = name.rpartition(".")
        owner = module.get_submodule(owner_name)
        value = owner._parameters.pop(leaf).detach().clone()
        owner.register_buffer(leaf, value)
    return layout


class SubspaceModel(nn.Module):
    """`model` trained in a random d-dimensional subspace around its initial parameters."""

    def __init__(
        self, model: nn.Module, d: int, projection: ProjectionName | str = "sparse", seed: int = 0
    ) -> None:
        super().__init__()
        import copy

        self.net = copy.deepcopy(model)
        self.layout = _freeze_into_buffers(self.net)
        self.D = sum(math.prod(shape) for _, shape in self.layout)
        self.projection = make_projection(str(projection), d, self.D, seed)
        self.d = d
        first = next(iter(self.net.buffers()), None)
        dtype = first.dtype if first is not None else torch.get_default_dtype()
        self.theta_d = nn.Parameter(torch.zeros(d, dtype=dtype))

    def theta_0(self) -> torch.Tensor:
        """The initial parameters, flattened in `named_parameters` order."""
        return torch.cat([self.net.get_buffer(name).reshape(-1) for name, _ in self.layout])

    def parameters_in_full(self) -> dict[str, torch.Tensor]:
        """theta_0 + P theta_d, by the wrapped model's parameter names (differentiable)."""
        offset = self.projection(self.theta_d)
        full: dict[str, torch.Tensor] = {}
        start = 0
        for name, shape in self.layout:
            size = math.prod(shape)
            base = self.net.get_buffer(name)
            full[name] = base + offset[start : start + size].view(shape)
            start += size
        return full

    def materialize(self) -> nn.Module:
        """A plain copy of the wrapped model with theta_0 + P theta_d as its parameters."""
        import copy

        model = copy.deepcopy(self.net)
        with torch.no_grad():
            values = {k: v.detach().clone() for k, v in self.parameters_in_full().items()}
        for name, value in values.items():
            owner_name, _, leaf = name.rpartition(".")
            owner = model.get_submodule(owner_name)
            del owner._buffers[leaf]
            owner.register_parameter(leaf, nn.Parameter(value))
        return model

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        from torch.func import functional_call

        return functional_call(self.net, self.parameters_in_full(), args, kwargs)
