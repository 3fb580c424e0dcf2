"""Graph data sets: Zachary's karate club, generated graphs, and batching graphs into one.

Zachary (1977), "An information flow model for conflict and fission in small groups"
(Journal of Anthropological Research 33(4)): 34 members of a university karate club and the
78 friendships seen outside the club; the club then split between the instructor, Mr. Hi
(node 0), and the administrator, the Officer (node 33). networkx ships the graph with each
member's faction as the node attribute "club".

Generated graphs (`generator_family_graphs`) come from three random-graph families with the
SAME number of nodes and edges for every sample (so that counting them cannot tell the
families apart; only how the edges are arranged can):
- Erdos & Renyi (1959), "On random graphs I": G(n, M), M edges placed uniformly at random;
- Barabasi & Albert (1999), "Emergence of scaling in random networks": preferential
  attachment, each new node linking to `m` existing nodes with probability proportional to
  their degree (grown here from a complete graph on 2m + 1 nodes, which makes M = m n);
- Watts & Strogatz (1998), "Collective dynamics of 'small-world' networks": a ring lattice
  with each node linked to its k = 2m nearest neighbours (M = m n), each edge rewired with
  probability p.

`batch_graphs` stacks several graphs into one: features are concatenated, edges shifted by
each graph's node offset (so the adjacency is block diagonal), and `graph_index` records
which graph each node came from; see `learnlab.models.graph`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from learnlab.data.adjacency import normalized_adjacency
from learnlab.io.errors import ConfigError

KARATE_FACTIONS = ("Mr. Hi", "Officer")
FAMILIES = ("erdos-renyi", "barabasi-albert", "watts-strogatz")


@dataclass(frozen=True)
class Graph:
    """One graph: node features (N, F) float32, edges (2, E) int64 (each undirected edge once),
    and optional node labels (N,) int64."""

    features: torch.Tensor
    edge_index: torch.Tensor
    node_labels: torch.Tensor | None = None

    @property
    def num_nodes(self) -> int:
        return int(self.features.shape[0])

    @property
    def num_edges(self) -> int:
        return int(self.edge_index.shape[1])

    def adjacency(self) -> torch.Tensor:
        """The sparse normalised adjacency D^-1/2 (A + I) D^-1/2."""
        return normalized_adjacency(self.edge_index, self.num_nodes)


@dataclass(frozen=True)
class GraphBatch:
    """Several graphs as one block-diagonal graph."""

    features: torch.Tensor  # (N_total, F)
    adjacency: torch.Tensor  # (N_total, N_total) sparse, block diagonal
    graph_index: torch.Tensor  # (N_total,) int64: the graph of each node
    num_graphs: int

    @property
    def num_examples(self) -> int:
        """A batch of graphs holds one example per graph (`learnlab.objectives.base`)."""
        return self.num_graphs


def edge_index_of(graph) -> torch.Tensor:
    """The (2, E) int64 edge list of a networkx graph whose nodes are 0..N-1."""
    edges = list(graph.edges())
    if not edges:
        return torch.zeros(2, 0, dtype=torch.int64)
    return torch.tensor(edges, dtype=torch.int64).t().contiguous()


def karate_club() -> Graph:
    """Zachary's karate club: one-hot node identity features (34 x 34, as Kipf & Welling
    used), the 78 friendships, and faction labels (0 Mr. Hi, 1 Officer)."""
    import networkx as nx

    graph = nx.karate_club_graph()
    labels = [KARATE_FACTIONS.index(graph.nodes[v]["club"]) for v in range(graph.number_of_nodes())]
    n = graph.number_of_nodes()
    return Graph(
        features=torch.eye(n),
        edge_index=edge_index_of(graph),
        node_labels=torch.tensor(labels, dtype=torch.int64),
    )


def batch_graphs(graphs: Sequence[Graph]) -> GraphBatch:
    """One block-diagonal graph holding `graphs` (node i of graph g becomes node offset_g + i)."""
    if not graphs:
        raise ConfigError("batch_graphs needs at least one graph.")
    sizes = torch.tensor([g.num_nodes for g in graphs], dtype=torch.int64)
    offsets = torch.cumsum(sizes, 0) - sizes
    edges = torch.cat(
        [g.edge_index + off for g, off in zip(graphs, offsets.tolist(), strict=True)], 1
    )
    total = int(sizes.sum())
    return GraphBatch(
        features=torch.cat([g.features for g in graphs]),
        adjacency=normalized_adjacency(edges, total),
        graph_index=torch.repeat_interleave(torch.arange(len(graphs)), sizes),
        num_graphs=len(graphs),
    )


def family_graph(family: str, num_nodes: int, m: int, rewire: float, seed: int):
    """One networkx graph of `family` with `num_nodes` nodes and exactly m * num_nodes edges."""
    import networkx as nx

    if family == "erdos-renyi":
        return nx.gnm_random_graph(num_nodes, m * num_nodes, seed=seed)
    if family == "barabasi-albert":
        start = nx.complete_graph(2 * m + 1)  # m (2m + 1) edges, then m per added node
        return nx.barabasi_albert_graph(num_nodes, m, seed=seed, initial_graph=start)
    if family == "watts-strogatz":
        return nx.watts_strogatz_graph(num_nodes, 2 * m, rewire, seed=seed)
    raise ConfigError(f"unknown graph family {family!r}; known: {', '.join(FAMILIES)}.")


def degree_features(edge_index: torch.Tensor, num_nodes: int, max_degree: int) -> torch.Tensor:
    """One-hot node degrees, degrees above `max_degree` sharing the last column: (N, max_degree
    + 1). Graphs without node attributes get their features from their own edges (as in Xu,
    Hu, Leskovec & Jegelka 2019, "How powerful are graph neural networks?")."""
    degree = torch.bincount(edge_index.flatten(), minlength=num_nodes).clamp(max=max_degree)
    return torch.nn.functional.one_hot(degree, max_degree + 1).to(torch.float32)


def generator_family_graphs(
    count_per_family: int,
    *,
    min_nodes: int = 20,
    max_nodes: int = 40,
    m: int = 2,
    rewire: float = 0.1,
    max_degree: int = 15,
    seed: int = 0,
) -> tuple[list[Graph], torch.Tensor]:
    """`count_per_family` graphs of each family in FAMILIES, shuffled, and their labels
    (index into FAMILIES). Every sample's node count is drawn uniformly from
    [min_nodes, max_nodes] and its edge count is m * nodes, whatever the family. Node
    features are one-hot degrees (`degree_features`). Seeded: the same arguments give the
    same graphs."""
    if not 2 * m + 1 < min_nodes <= max_nodes:
        raise ConfigError(
            f"need 2m + 1 < min_nodes <= max_nodes (m={m}); got min_nodes={min_nodes}, "
            f"max_nodes={max_nodes}."
        )
    rng = np.random.default_rng(seed)
    samples: list[tuple[Graph, int]] = []
    for label, family in enumerate(FAMILIES):
        for _ in range(count_per_family):
            n = int(rng.integers(min_nodes, max_nodes + 1))
            graph = family_graph(family, n, m, rewire, seed=int(rng.integers(2**31)))
            edges = edge_index_of(graph)
            samples.append((Graph(degree_features(edges, n, max_degree), edges), label))
    order = rng.permutation(len(samples))
    graphs = [samples[i][0] for i in order]
    labels = torch.tensor([samples[i][1] for i in order], dtype=torch.int64)
    return graphs, labels


class GraphLoader:
    """Batches of graphs for the Trainer: each epoch a permutation of the graphs (from a
    generator seeded once with `seed`), cut into `batch_size` graphs per batch; a batch is
    `(GraphBatch, labels)`."""

    def __init__(
        self, graphs: Sequence[Graph], labels: torch.Tensor, *, batch_size: int, seed: int
    ) -> None:
        if len(graphs) != len(labels):
            raise ConfigError(f"{len(graphs)} graphs but {len(labels)} labels; give one each.")
        self.graphs, self.labels, self.batch_size = list(graphs), labels, batch_size
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return -(-len(self.graphs) // self.batch_size)

    def __iter__(self):
        permutation = torch.randperm(len(self.graphs), generator=self.generator)
        for start in range(0, len(self.graphs), self.batch_size):
            chosen = permutation[start : start + self.batch_size]
            yield batch_graphs([self.graphs[i] for i in chosen.tolist()]), self.labels[chosen]
