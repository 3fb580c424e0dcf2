"""Part 1: a 2-layer GCN on Zachary's karate club from one label per faction (Kipf & Welling
2017), against the same layers without the graph (adjacency = identity, an MLP)."""

from __future__ import annotations

from typing import Any

import torch
from torch.nn.functional import cross_entropy

from learnlab.objectives.base import Objective
from learnlab.recipes.gcn_karate.config import LABELLED_NODES, GcnKarateConfig


class LabelledNodes(Objective):
    """Cross-entropy of the labelled nodes of one graph; a batch is (features, adjacency,
    labels, labelled node ids) and holds as many examples as labelled nodes."""

    def __call__(self, model, batch):
        features, adjacency, labels, train = batch
        return cross_entropy(model(features, adjacency)[train], labels[train]), {}

    def batch_examples(self, batch) -> int:
        return len(batch[3])


def train_karate(config: GcnKarateConfig, use_graph: bool) -> dict[str, Any]:
    """Train the 2-layer GCN with full-batch Adam on the two labelled nodes; with
    `use_graph=False`, on the identity adjacency (each node sees only itself: an MLP). Returns
    accuracy on the unlabelled nodes, the last loss, predictions and the 2-d outputs."""
    from learnlab.data.adjacency import normalized_adjacency
    from learnlab.data.graphs import karate_club
    from learnlab.models import build_model
    from learnlab.train.trainer import Trainer

    club = karate_club()
    no_edges = torch.zeros(2, 0, dtype=torch.int64)
    adjacency = club.adjacency() if use_graph else normalized_adjacency(no_edges, club.num_nodes)
    labels = club.node_labels
    train = torch.tensor(LABELLED_NODES)
    unlabelled = torch.ones(club.num_nodes, dtype=torch.bool)
    unlabelled[train] = False

    torch.manual_seed(config.seed)
    model = build_model("gcn", (club.num_nodes,), 2, hidden=config.karate_hidden, depth=2)
    optimizer = torch.optim.Adam(
        model.parameters(), lr=config.karate_lr, weight_decay=config.karate_weight_decay
    )
    # one full-batch step per epoch
    history = Trainer(model, LabelledNodes(), optimizer).fit(
        [(club.features, adjacency, labels, train)], epochs=config.karate_steps
    )
    model.eval()
    with torch.no_grad():
        outputs = model(club.features, adjacency)
    predicted = outputs.argmax(1)
    return {
        "test_accuracy": float((predicted[unlabelled] == labels[unlabelled]).float().mean()),
        "train_loss": history[-1]["train_loss"],
        "predicted": predicted.tolist(),
        "outputs": outputs.tolist(),
        "labels": labels.tolist(),
        "edges": club.edge_index.t().tolist(),
    }
