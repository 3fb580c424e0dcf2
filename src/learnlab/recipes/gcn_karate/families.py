"""Part 2: graph classification of random-graph families (Erdos-Renyi, Barabasi-Albert,
Watts-Strogatz with matched node and edge counts) by `gcn-graph`, against the same model without
edges and logistic regression on the node and edge counts."""

from __future__ import annotations

import torch
from torch.nn.functional import cross_entropy

from learnlab.objectives.base import Objective
from learnlab.objectives.supervised import accuracy_metric
from learnlab.recipes.gcn_karate.config import GcnKarateConfig


class GraphFamily(Objective):
    """Cross-entropy of a batch of graphs, `(GraphBatch, labels)`; one example per graph."""

    metric_names = ("accuracy",)

    def __call__(self, model, batch):
        graphs, labels = batch
        out = model(graphs.features, graphs.adjacency, graphs.graph_index, graphs.num_graphs)
        return cross_entropy(out, labels), {"accuracy": accuracy_metric(out, labels)}


def train_graph_classifier(
    config: GcnKarateConfig, graphs: list, labels, use_edges: bool, console=None
) -> float:
    """Train `gcn-graph` on the first `train_graphs` of `graphs`; the test accuracy on the
    rest. Without `use_edges`, every graph loses its edges (each node sees only itself)."""
    from learnlab.data.graphs import FAMILIES, Graph, GraphLoader, batch_graphs
    from learnlab.models import build_model
    from learnlab.train.callbacks.progress import ProgressBar
    from learnlab.train.trainer import Trainer

    if not use_edges:
        graphs = [Graph(g.features, torch.zeros(2, 0, dtype=torch.int64)) for g in graphs]
    n_train = config.train_graphs
    test = batch_graphs(graphs[n_train:])

    torch.manual_seed(config.seed)
    model = build_model(
        "gcn-graph",
        (graphs[0].features.shape[1],),
        len(FAMILIES),
        hidden=config.graph_hidden,
        depth=config.graph_depth,
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=config.graph_lr)
    loader = GraphLoader(
        graphs[:n_train], labels[:n_train], batch_size=config.graph_batch_size, seed=config.seed
    )
    callbacks = [ProgressBar(console)] if config.progress and console is not None else []
    Trainer(model, GraphFamily(), optimizer, callbacks=callbacks).fit(
        loader, epochs=config.graph_epochs
    )
    model.eval()
    with torch.no_grad():
        out = model(test.features, test.adjacency, test.graph_index, test.num_graphs)
    return float((out.argmax(1) == labels[n_train:]).float().mean())


def count_baseline(config: GcnKarateConfig, graphs: list, labels) -> float:
    """Logistic regression on (node count, edge count): what a model without the structure
    can know about a graph."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    counts = np.array([[g.num_nodes, g.num_edges] for g in graphs], dtype=np.float64)
    y = labels.numpy()
    n_train = config.train_graphs
    classifier = make_pipeline(StandardScaler(), LogisticRegression())
    classifier.fit(counts[:n_train], y[:n_train])
    return float(classifier.score(counts[n_train:], y[n_train:]))
