"""The word-embeddings recipe's figure, drawn from stored data (so `learnlab report` redraws
it): frequent words' vectors on their first two principal components."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

from learnlab.result import FigureSpec

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from learnlab.data.words import Vocabulary

PROJECTED_WORDS = 120
SKIPPED_WORDS = 30  # the most frequent words, mostly function words, crowd the middle


def projection_spec(vocab: Vocabulary, vectors: torch.Tensor) -> FigureSpec:
    """The vectors of the `PROJECTED_WORDS` most frequent words after the first
    `SKIPPED_WORDS`, projected on their first two principal components (scikit-learn's PCA)."""
    from sklearn.decomposition import PCA

    skip = min(SKIPPED_WORDS, len(vocab) // 4)
    chosen = list(range(skip, min(skip + min(PROJECTED_WORDS, len(vocab)), len(vocab))))
    points = PCA(n_components=2, random_state=0).fit_transform(vectors[chosen].numpy())
    return FigureSpec(
        "frequent words, PCA of the skip-gram vectors",
        projection_figure,
        {
            "points": torch.from_numpy(points),
            "words": [vocab.words[i] for i in chosen],
            "first_rank": skip + 1,
        },
    )


def projection_figure(*, points: torch.Tensor, words: Sequence[str], first_rank: int) -> Figure:
    """Each word at its 2-d point, labelled."""
    from learnlab.report.plots import new_figure

    fig = new_figure(9.0, 7.0)
    ax = fig.add_subplot()
    xy = points.tolist()
    ax.scatter(*points.numpy().T, s=6, color="tab:blue", alpha=0.6)
    for (x, y), word in zip(xy, words, strict=True):
        ax.annotate(word, (x, y), fontsize=7, alpha=0.85)
    ax.set_xlabel("principal component 1")
    ax.set_ylabel("principal component 2")
    last = first_rank + len(words) - 1
    ax.set_title(f"skip-gram vectors of the words ranked {first_rank}-{last} by frequency (PCA)")
    return fig
