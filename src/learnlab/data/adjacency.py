"""The normalised adjacency of a graph, D^-1/2 (A + I) D^-1/2, as a sparse tensor.

Kipf & Welling (2017), "Semi-supervised classification with graph convolutional networks"
(ICLR): the renormalisation trick. Graph data (`learnlab.data.graphs`) builds it once per graph
and the GCN layers (`learnlab.models.graph`) multiply by it.
"""

from __future__ import annotations

import torch

from learnlab.io.errors import ConfigError


def normalized_adjacency(
    edge_index: torch.Tensor,
    num_nodes: int,
    *,
    self_loops: bool = True,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """The sparse (COO, coalesced) D^-1/2 (A + I) D^-1/2 of an undirected graph.

    `edge_index` is a (2, E) int64 tensor of node pairs in [0, num_nodes); each pair is taken
    in both directions, and repeated pairs count once (an unweighted graph). Without
    `self_loops` it is D^-1/2 A D^-1/2 (an isolated node then gets a zero row).
    """
    if edge_index.dim() != 2 or edge_index.shape[0] != 2:
        raise ConfigError(f"edge_index must have shape (2, E); got {tuple(edge_index.shape)}.")
    if edge_index.numel() and (edge_index.min() < 0 or edge_index.max() >= num_nodes):
        raise ConfigError(
            f"edge_index holds node ids outside [0, {num_nodes}); number the nodes 0..N-1."
        )
    edges = edge_index.to(torch.int64)
    both = torch.cat([edges, edges.flip(0)], dim=1)
    both = both[:, both[0] != both[1]]  # a self loop in the input is added below, once
    if self_loops:
        loops = torch.arange(num_nodes, dtype=torch.int64).expand(2, num_nodes)
        both = torch.cat([both, loops], dim=1)
    # coalescing merges repeated pairs; only the pattern is used below (an unweighted graph)
    ones = torch.ones(both.shape[1], dtype=dtype)
    adjacency = torch.sparse_coo_tensor(
        both, ones, (num_nodes, num_nodes), check_invariants=True
    ).coalesce()
    rows, cols = adjacency.indices()
    degree = torch.zeros(num_nodes, dtype=dtype).index_add_(
        0, rows, torch.ones_like(rows, dtype=dtype)
    )
    inv_sqrt = torch.where(degree > 0, degree.rsqrt(), torch.zeros_like(degree))
    values = inv_sqrt[rows] * inv_sqrt[cols]
    return torch.sparse_coo_tensor(
        adjacency.indices(),
        values,
        (num_nodes, num_nodes),
        is_coalesced=True,
        check_invariants=True,
    )
