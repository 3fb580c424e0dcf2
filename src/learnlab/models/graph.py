"""Graph convolutional networks: message passing on a sparse normalised adjacency.

Kipf & Welling (2017), "Semi-supervised classification with graph convolutional networks"
(ICLR). One GCN layer maps node features H (N, F) to

    H' = act(Â H W),   Â = D^-1/2 (A + I) D^-1/2,   D_ii = sum_j (A + I)_ij,

a first-order approximation of a spectral graph convolution: each node averages its own and
its neighbours' (linearly transformed) features, with the symmetric weights 1/sqrt(d_i d_j).
Â is built once per graph as a sparse COO tensor (`learnlab.data.adjacency`) and applied with
`torch.sparse.mm`, so a layer costs O(edges * width), not O(N^2 * width).

Because Â commutes with permutations (P Â P^T is the Â of the permuted graph), a GCN is
permutation equivariant: renumbering the nodes renumbers the outputs. Pooling the node states
of each graph (mean or sum) then makes a graph-level model permutation invariant. Several
graphs run as one: their adjacencies form one block-diagonal sparse matrix, and `graph_index`
says which graph each node belongs to (`learnlab.data.graphs.batch_graphs`).

Registered models:
- `gcn`: node classification, `forward(features (N, F), adjacency (N, N) sparse) -> (N, K)`;
- `gcn-graph`: graph classification, `forward(features, adjacency, graph_index (N,) int64)
  -> (G, K)`: GCN layers, mean or sum pooling per graph, a linear head.
`input_shape` is `(feature_dim,)`.
"""

from __future__ import annotations

from typing import Literal, get_args

import torch
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.models.registry import (
    Activation,
    check_choice,
    check_fraction,
    check_int,
    make_activation,
    register_model,
)

Pooling = Literal["mean", "sum"]
POOLINGS = get_args(Pooling)


class GCNLayer(nn.Module):
    """Â H W + b: one round of message passing (the activation is the caller's)."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__()
        self.linear = nn.Linear(in_features, out_features, bias=False)
        self.bias = nn.Parameter(torch.zeros(out_features)) if bias else None

    def forward(self, features: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        # (Â H) W = Â (H W): transforming first keeps the sparse product at the output width,
        # the narrower side in every model here; the bias is added after propagation (as in
        # Kipf & Welling's code), so every node gets it once.
        out = torch.sparse.mm(adjacency, self.linear(features))
        return out + self.bias if self.bias is not None else out


class GCNTrunk(nn.Module):
    """GCN layers with an activation and dropout between them; the last layer is linear."""

    def __init__(
        self, sizes: list[int], activation: str, dropout: float, final_activation: bool
    ) -> None:
        super().__init__()
        self.layers = nn.ModuleList(GCNLayer(a, b) for a, b in zip(sizes, sizes[1:], strict=False))
        self.activation = make_activation(activation)
        self.dropout = nn.Dropout(dropout)
        self.final_activation = final_activation

    def forward(self, features: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        h = features
        for i, layer in enumerate(self.layers):
            h = layer(self.dropout(h), adjacency)
            if i < len(self.layers) - 1 or self.final_activation:
                h = self.activation(h)
        return h


class GCN(nn.Module):
    """Node classification: `depth` GCN layers, the last one giving the node's outputs.

    `hidden_states(features, adjacency)` returns the input of the last layer (the node
    embedding, e.g. 2-d for a plot)."""

    def __init__(
        self,
        feature_dim: int,
        num_outputs: int,
        hidden: int,
        depth: int,
        activation: str,
        dropout: float,
    ) -> None:
        super().__init__()
        sizes = [feature_dim] + [hidden] * (depth - 1) + [num_outputs]
        self.trunk = GCNTrunk(sizes, activation, dropout, final_activation=False)

    def forward(self, features: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        return self.trunk(features, adjacency)

    def hidden_states(self, features: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        h = features
        for layer in self.trunk.layers[:-1]:
            h = self.trunk.activation(layer(self.trunk.dropout(h), adjacency))
        return h


def pool_nodes(
    states: torch.Tensor, graph_index: torch.Tensor, num_graphs: int, pooling: str
) -> torch.Tensor:
    """(N, D) node states -> (num_graphs, D): the sum or mean over each graph's nodes."""
    pooled = states.new_zeros(num_graphs, states.shape[1]).index_add_(0, graph_index, states)
    if pooling == "mean":
        counts = torch.bincount(graph_index, minlength=num_graphs).clamp(min=1)
        pooled = pooled / counts.unsqueeze(1).to(states.dtype)
    return pooled


class GraphGCN(nn.Module):
    """Graph classification: `depth` GCN layers, pooling over each graph, a linear head."""

    def __init__(
        self,
        feature_dim: int,
        num_outputs: int,
        hidden: int,
        depth: int,
        activation: str,
        dropout: float,
        pooling: str,
    ) -> None:
        super().__init__()
        self.trunk = GCNTrunk([feature_dim] + [hidden] * depth, activation, dropout, True)
        self.pooling = pooling
        self.head = nn.Linear(hidden, num_outputs)

    def forward(
        self,
        features: torch.Tensor,
        adjacency: torch.Tensor,
        graph_index: torch.Tensor,
        num_graphs: int | None = None,
    ) -> torch.Tensor:
        if num_graphs is None:
            num_graphs = int(graph_index.max()) + 1 if graph_index.numel() else 0
        states = self.trunk(features, adjacency)
        return self.head(pool_nodes(states, graph_index, num_graphs, self.pooling))


def _feature_dim(input_shape: tuple[int, ...]) -> int:
    if len(input_shape) != 1:
        raise ConfigError(
            f"graph models take input_shape (feature_dim,), the width of a node's feature "
            f"vector; got {input_shape}."
        )
    return input_shape[0]


@register_model("gcn", "GCN (Kipf & Welling 2017) for node classification on a sparse graph.")
def gcn(
    input_shape: tuple[int, ...],
    num_outputs: int,
    hidden: int = 16,
    depth: int = 2,
    activation: Activation = "relu",
    dropout: float = 0.0,
) -> GCN:
    return GCN(
        _feature_dim(input_shape),
        num_outputs,
        hidden=check_int("hidden", hidden, minimum=1),
        depth=check_int("depth", depth, minimum=1),
        activation=activation,
        dropout=check_fraction("dropout", dropout),
    )


@register_model(
    "gcn-graph",
    "GCN layers, mean or sum pooling per graph and a linear head, for graph classification.",
)
def gcn_graph(
    input_shape: tuple[int, ...],
    num_outputs: int,
    hidden: int = 32,
    depth: int = 3,
    activation: Activation = "relu",
    dropout: float = 0.0,
    pooling: Pooling = "mean",
) -> GraphGCN:
    return GraphGCN(
        _feature_dim(input_shape),
        num_outputs,
        hidden=check_int("hidden", hidden, minimum=1),
        depth=check_int("depth", depth, minimum=1),
        activation=activation,
        dropout=check_fraction("dropout", dropout),
        pooling=check_choice("pooling", pooling, POOLINGS),
    )
