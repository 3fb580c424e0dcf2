"""Tables and the figure of the `word-embeddings` recipe's report."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

from learnlab.analysis.embeddings import nearest_neighbours, nearest_to
from learnlab.data.words import Vocabulary

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def neighbour_table(
    vocab: Vocabulary,
    vectors: torch.Tensor,
    control: torch.Tensor,
    words: Sequence[str],
    k: int,
) -> list[dict[str, object]]:
    """Per query word: its k nearest words (cosine) under the trained and the random vectors."""
    queries = torch.tensor([vocab.id(w) for w in words], dtype=torch.int64)
    rows = []
    trained_ids, trained_sims = nearest_neighbours(vectors, queries, k)
    control_ids, _ = nearest_neighbours(control, queries, k)
    for i, word in enumerate(words):
        neighbours = [
            f"{vocab.words[j]} ({s:.2f})"
            for j, s in zip(trained_ids[i].tolist(), trained_sims[i].tolist(), strict=True)
        ]
        rows.append(
            {
                "word": word,
                "count": vocab.counts[int(queries[i])],
                "nearest (skip-gram, cosine)": ", ".join(neighbours),
                "nearest (random vectors)": ", ".join(vocab.words[j] for j in control_ids[i]),
            }
        )
    return rows


def sentence_neighbour_table(
    queries: Sequence[str],
    pool: Sequence[str],
    features: dict[str, tuple[torch.Tensor, torch.Tensor]],
    k: int,
) -> list[dict[str, object]]:
    """For each query line, its k nearest lines of `pool` under each sentence representation;
    `features[name]` = (query vectors (Q, d), pool vectors (P, d))."""
    rows = []
    for name, (query_vectors, pool_vectors) in features.items():
        ids, sims = nearest_to(pool_vectors, query_vectors, k)
        for q, line in enumerate(queries):
            for rank, (j, s) in enumerate(zip(ids[q].tolist(), sims[q].tolist(), strict=True)):
                rows.append(
                    {
                        "representation": name,
                        "query line": line if rank == 0 else "",
                        "rank": rank + 1,
                        "nearest line": pool[j],
                        "cosine": round(s, 3),
                    }
                )
    return rows


def projection_figure(vocab: Vocabulary, vectors: torch.Tensor, words: int, skip: int) -> Figure:
    """The word vectors of the `words` most frequent words after the first `skip` (function
    words), projected on their first two principal components (scikit-learn's PCA)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from sklearn.decomposition import PCA

    chosen = list(range(skip, min(skip + words, len(vocab))))
    points = PCA(n_components=2, random_state=0).fit_transform(vectors[chosen].numpy())
    fig = Figure(figsize=(9.0, 7.0), layout="constrained")  # no pyplot state
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.scatter(points[:, 0], points[:, 1], s=6, color="tab:blue", alpha=0.6)
    for (x, y), i in zip(points, chosen, strict=True):
        ax.annotate(vocab.words[i], (x, y), fontsize=7, alpha=0.85)
    ax.set_xlabel("principal component 1")
    ax.set_ylabel("principal component 2")
    ax.set_title(
        f"skip-gram vectors of the words ranked {skip + 1}-{skip + len(chosen)} by frequency (PCA)"
    )
    return fig
