"""The gcn-karate recipe's figures, drawn from stored data (so `learnlab report` redraws them):
the club coloured by predicted faction, and each node's 2-d output."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from learnlab.recipes.gcn_karate.config import LABELLED_NODES

COLOURS = ("tab:blue", "tab:orange")


def karate_club_figure(
    *, edges: Sequence[Sequence[int]], predicted: Sequence[int], labels: Sequence[int], seed: int
) -> Figure:
    """The club drawn with a fixed spring layout, coloured by predicted faction; wrong nodes
    ringed in red, the two labelled nodes starred."""
    import networkx as nx
    import numpy as np

    from learnlab.data.graphs import KARATE_FACTIONS
    from learnlab.report.plots import new_figure

    colours = np.array(COLOURS)
    predicted, labels = np.array(predicted), np.array(labels)
    wrong = predicted != labels
    positions = nx.spring_layout(nx.Graph([tuple(e) for e in edges]), seed=seed)
    xy = np.array([positions[v] for v in range(len(predicted))])
    fig = new_figure(6.4, 5.0)
    ax = fig.add_subplot()
    for a, b in edges:
        ax.plot(*xy[[a, b]].T, color="0.75", linewidth=0.8, zorder=1)
    ax.scatter(*xy.T, s=160, c=colours[predicted], edgecolors="none", zorder=2)
    ax.scatter(*xy[wrong].T, s=260, facecolors="none", edgecolors="red", linewidths=1.5, zorder=3)
    ax.scatter(*xy[list(LABELLED_NODES)].T, s=360, marker="*", c="black", zorder=4)
    for v, (x, y) in enumerate(xy):
        ax.text(x, y, str(v), fontsize=6, ha="center", va="center", color="white", zorder=5)
    handles = [
        ax.scatter([], [], s=80, c=colours[i], label=f"predicted {name}")
        for i, name in enumerate(KARATE_FACTIONS)
    ]
    handles.append(ax.scatter([], [], s=120, marker="*", c="black", label="labelled (0, 33)"))
    handles.append(ax.scatter([], [], s=80, facecolors="none", edgecolors="red", label="wrong"))
    ax.legend(handles=handles, loc="best", fontsize=8)
    ax.set_axis_off()
    ax.set_title("Karate club: GCN predictions from one label per faction")
    return fig


def node_outputs_figure(*, outputs: Sequence[Sequence[float]], labels: Sequence[int]) -> Figure:
    """Each node's 2-d output (the last layer's logits) by true faction, with the boundary."""
    import numpy as np

    from learnlab.data.graphs import KARATE_FACTIONS
    from learnlab.report.plots import new_figure

    outputs, labels = np.array(outputs), np.array(labels)
    fig = new_figure(5.0, 4.2)
    ax = fig.add_subplot()
    for i, name in enumerate(KARATE_FACTIONS):
        ax.scatter(*outputs[labels == i].T, s=30, c=COLOURS[i], label=f"true {name}")
    ax.scatter(*outputs[list(LABELLED_NODES)].T, s=200, marker="*", c="black", label="labelled")
    lo, hi = outputs.min(), outputs.max()
    ax.plot([lo, hi], [lo, hi], color="0.6", linestyle="--", linewidth=1, label="boundary")
    ax.set_xlabel(f"output 0 ({KARATE_FACTIONS[0]})")
    ax.set_ylabel(f"output 1 ({KARATE_FACTIONS[1]})")
    ax.legend(fontsize=8)
    ax.set_title("Each node's 2-d output, by true faction")
    return fig
