"""Contract inputs of the graph family (learnlab.models.graph).

`gcn` classifies nodes: its input is one random graph of n nodes, and it returns one row per
node. `gcn-graph` classifies graphs: its input is n random graphs of 3 to 6 nodes batched into
one block-diagonal adjacency, and it returns one row per graph.
"""

from __future__ import annotations

import torch

from learnlab.data.adjacency import normalized_adjacency

INPUT_SHAPES: dict[str, list[tuple[int, ...]]] = {"gcn": [(5,), (12,)], "gcn-graph": [(4,)]}
VARIANTS: list[tuple[str, dict]] = [
    ("gcn", {"depth": 3, "hidden": 8, "dropout": 0.2, "activation": "tanh"}),
    ("gcn", {"depth": 1}),
    ("gcn-graph", {"pooling": "sum", "depth": 1, "hidden": 8}),
    ("gcn-graph", {"dropout": 0.1, "activation": "gelu"}),
]


def _random_edges(num_nodes: int, generator: torch.Generator) -> torch.Tensor:
    """A path through the nodes (so none is isolated) plus a few random chords."""
    path = torch.stack([torch.arange(num_nodes - 1), torch.arange(1, num_nodes)])
    chords = torch.randint(0, num_nodes, (2, num_nodes), generator=generator)
    return torch.cat([path, chords], dim=1)


def make_input(name: str, shape: tuple[int, ...], n: int, generator: torch.Generator) -> tuple:
    if name == "gcn":
        features = torch.randn(n, *shape, generator=generator)
        return features, normalized_adjacency(_random_edges(n, generator), n)
    sizes = torch.randint(3, 7, (n,), generator=generator)
    offsets = torch.cumsum(sizes, 0) - sizes
    edges = torch.cat(
        [_random_edges(int(s), generator) + int(o) for s, o in zip(sizes, offsets, strict=True)],
        dim=1,
    )
    total = int(sizes.sum())
    features = torch.randn(total, *shape, generator=generator)
    graph_index = torch.repeat_interleave(torch.arange(n), sizes)
    return features, normalized_adjacency(edges, total), graph_index


def output_shape(name: str, shape: tuple[int, ...], n: int) -> tuple[int, ...]:
    return (n, 10)
