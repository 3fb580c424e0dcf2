"""The GCN layer and models (learnlab.models.graph) and the graph data (learnlab.data.graphs).

Oracles: the sparse normalised adjacency and a GCN layer against the dense formula
D^-1/2 (A + I) D^-1/2 H W in float64 on a small random graph; permutation equivariance of
`gcn` and invariance of `gcn-graph`; a batch of graphs giving the same outputs as each graph
on its own.
"""

from __future__ import annotations

import networkx as nx
import pytest
import torch

from learnlab.data.adjacency import normalized_adjacency
from learnlab.data.graphs import (
    FAMILIES,
    Graph,
    batch_graphs,
    degree_features,
    generator_family_graphs,
    karate_club,
)
from learnlab.io.errors import ConfigError
from learnlab.models import build_model
from learnlab.models.graph import GCNLayer


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _random_graph(num_nodes: int, p: float, seed: int) -> torch.Tensor:
    graph = nx.gnp_random_graph(num_nodes, p, seed=seed)
    return torch.tensor(list(graph.edges()), dtype=torch.int64).t()


def _dense_normalized(edge_index: torch.Tensor, num_nodes: int) -> torch.Tensor:
    a = torch.zeros(num_nodes, num_nodes, dtype=torch.float64)
    a[edge_index[0], edge_index[1]] = 1.0
    a[edge_index[1], edge_index[0]] = 1.0
    a_hat = a + torch.eye(num_nodes, dtype=torch.float64)
    d = a_hat.sum(1).rsqrt()
    return d[:, None] * a_hat * d[None, :]


def test_normalized_adjacency_equals_the_dense_formula():
    edges = _random_graph(12, 0.3, seed=1)
    sparse = normalized_adjacency(edges, 12, dtype=torch.float64)
    assert sparse.is_sparse and sparse.is_coalesced()
    torch.testing.assert_close(sparse.to_dense(), _dense_normalized(edges, 12))


def test_repeated_reversed_and_self_loop_edges_count_once():
    edges = torch.tensor([[0, 1, 1, 2, 2], [1, 0, 0, 2, 0]])  # 0-1 three times, a loop, 2-0
    clean = torch.tensor([[0, 2], [1, 0]])
    torch.testing.assert_close(
        normalized_adjacency(edges, 3).to_dense(), normalized_adjacency(clean, 3).to_dense()
    )
    # an isolated node keeps only its self loop, weight 1
    assert (
        normalized_adjacency(torch.zeros(2, 0, dtype=torch.int64), 2).to_dense().equal(torch.eye(2))
    )


@pytest.mark.parametrize(
    ("edges", "match"),
    [(torch.tensor([[0, 5]]).t(), r"outside \[0, 4\)"), (torch.tensor([0, 1]), r"\(2, E\)")],
)
def test_bad_edge_lists_are_config_errors(edges, match):
    with pytest.raises(ConfigError, match=match):
        normalized_adjacency(edges, 4)


def test_gcn_layer_equals_the_dense_formula_in_float64():
    torch.manual_seed(0)
    edges = _random_graph(10, 0.35, seed=2)
    features = torch.randn(10, 6, dtype=torch.float64)
    layer = GCNLayer(6, 4).double()
    with torch.no_grad():
        layer.bias.normal_()
        out = layer(features, normalized_adjacency(edges, 10, dtype=torch.float64))
    expected = _dense_normalized(edges, 10) @ features @ layer.linear.weight.t() + layer.bias
    torch.testing.assert_close(out, expected, rtol=1e-12, atol=1e-12)


def test_gcn_is_permutation_equivariant():
    torch.manual_seed(0)
    model = build_model("gcn", (5,), 3, hidden=8, depth=3).eval()
    edges = _random_graph(15, 0.25, seed=3)
    features = torch.randn(15, 5)
    perm = torch.randperm(15)
    inverse = torch.argsort(perm)  # old node i becomes new node inverse[i]
    with torch.no_grad():
        out = model(features, normalized_adjacency(edges, 15))
        out_perm = model(features[perm], normalized_adjacency(inverse[edges], 15))
    torch.testing.assert_close(out_perm, out[perm], rtol=1e-5, atol=1e-6)
    assert not torch.allclose(out[perm], out)  # the check could fail


@pytest.mark.parametrize("pooling", ["mean", "sum"])
def test_gcn_graph_is_permutation_invariant_and_batches_like_single_graphs(pooling):
    torch.manual_seed(0)
    model = build_model("gcn-graph", (3,), 2, hidden=8, pooling=pooling).eval()
    graphs = [Graph(torch.randn(n, 3), _random_graph(n, 0.4, seed=n)) for n in (5, 9, 7)]
    with torch.no_grad():
        batch = batch_graphs(graphs)
        together = model(batch.features, batch.adjacency, batch.graph_index)
        alone = [
            model(g.features, g.adjacency(), torch.zeros(g.num_nodes, dtype=torch.int64))
            for g in graphs
        ]
        g = graphs[1]
        perm = torch.randperm(g.num_nodes)
        inverse = torch.argsort(perm)
        permuted = Graph(g.features[perm], inverse[g.edge_index])
        out_perm = model(
            permuted.features, permuted.adjacency(), torch.zeros(g.num_nodes, dtype=torch.int64)
        )
    assert together.shape == (3, 2)
    torch.testing.assert_close(together, torch.cat(alone), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(out_perm, alone[1], rtol=1e-5, atol=1e-6)


def test_batch_adjacency_is_block_diagonal():
    graphs = [Graph(torch.ones(n, 1), _random_graph(n, 0.5, seed=n)) for n in (3, 4)]
    batch = batch_graphs(graphs)
    dense = batch.adjacency.to_dense()
    torch.testing.assert_close(dense[:3, :3], graphs[0].adjacency().to_dense())
    torch.testing.assert_close(dense[3:, 3:], graphs[1].adjacency().to_dense())
    assert dense[:3, 3:].abs().sum() == 0 and dense[3:, :3].abs().sum() == 0
    assert batch.graph_index.tolist() == [0, 0, 0, 1, 1, 1, 1] and batch.num_graphs == 2


@pytest.mark.parametrize(
    ("name", "options", "shape", "match"),
    [
        ("gcn", {}, (1, 28, 28), "input_shape"),
        ("gcn", {"depth": 0}, (5,), "'depth'"),
        ("gcn-graph", {"pooling": "max"}, (5,), "'pooling'"),
        ("gcn-graph", {"activation": "swish"}, (5,), "'activation'"),
    ],
)
def test_bad_options_are_config_errors(name, options, shape, match):
    with pytest.raises(ConfigError, match=match):
        build_model(name, shape, 2, **options)


# -- data ---------------------------------------------------------------------------------------


def test_karate_club():
    club = karate_club()
    assert club.num_nodes == 34 and club.num_edges == 78
    assert club.features.equal(torch.eye(34))
    assert club.node_labels[0] == 0 and club.node_labels[33] == 1  # Mr. Hi, Officer
    assert int(club.node_labels.sum()) == 17


def test_generated_families_have_matched_counts_and_are_seeded():
    graphs, labels = generator_family_graphs(4, min_nodes=10, max_nodes=14, seed=5)
    assert sorted(labels.tolist()) == [0] * 4 + [1] * 4 + [2] * 4
    for g in graphs:
        assert 10 <= g.num_nodes <= 14 and g.num_edges == 2 * g.num_nodes
        assert g.features.shape == (g.num_nodes, 16)
        assert g.features.sum(1).eq(1).all()
    again, labels_again = generator_family_graphs(4, min_nodes=10, max_nodes=14, seed=5)
    assert labels.equal(labels_again)
    assert all(a.edge_index.equal(b.edge_index) for a, b in zip(graphs, again, strict=True))
    other, _ = generator_family_graphs(4, min_nodes=10, max_nodes=14, seed=6)
    assert not all(
        a.edge_index.shape == b.edge_index.shape and a.edge_index.equal(b.edge_index)
        for a, b in zip(graphs, other, strict=True)
    )
    assert len(FAMILIES) == 3
    with pytest.raises(ConfigError, match="min_nodes"):
        generator_family_graphs(2, min_nodes=5, max_nodes=10)


def test_degree_features_are_one_hot_and_capped():
    star = torch.tensor([[0, 0, 0, 0], [1, 2, 3, 4]])
    features = degree_features(star, 5, max_degree=3)
    assert features.argmax(1).tolist() == [3, 1, 1, 1, 1]
