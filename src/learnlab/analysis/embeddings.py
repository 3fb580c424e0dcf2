"""Looking at embeddings: cosine nearest neighbours, analogies, sentence vectors, probes.

- Centring: removing the mean vector before comparing (Mu & Viswanath, 2018).
- Nearest neighbours by cosine similarity, the usual way to read word vectors (Mikolov et al.,
  2013, "Efficient estimation of word representations in vector space").
- Analogies a : b :: c : ?, answered by the word nearest to v_b - v_a + v_c (same paper).
- Sentence vectors as the mean of their word vectors: a bag of words, blind to word order by
  construction (compared with a language model's state in the `word-embeddings` recipe).
- Related pairs against random pairs: the area under the ROC curve of the cosine similarity,
  i.e. the probability that a related pair is more similar than a random one (0.5 = chance).
- Linear probes (Alain & Bengio, 2016, "Understanding intermediate layers using linear
  classifier probes"): cross-validated logistic regression on fixed features measures what a
  representation makes linearly readable.

Example:
    >>> vectors = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    >>> ids, sims = nearest_neighbours(vectors, torch.tensor([0]), k=1)
    >>> ids.tolist()
    [[1]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F


def centred(vectors: torch.Tensor) -> torch.Tensor:
    """The vectors minus their mean. Word vectors share a common direction that makes every
    cosine large; removing it (Mu & Viswanath, 2018, "All-but-the-top: simple and effective
    postprocessing for word representations") lets cosine compare what differs."""
    return vectors - vectors.mean(dim=0)


def nearest_neighbours(
    vectors: torch.Tensor, queries: torch.Tensor, k: int = 5, exclude_self: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """The k rows of `vectors` most cosine-similar to each row id in `queries`: (ids, sims),
    both (Q, k), most similar first; the query itself is left out when `exclude_self`."""
    return nearest_to(vectors, vectors[queries], k, exclude=queries if exclude_self else None)


def nearest_to(
    vectors: torch.Tensor,
    targets: torch.Tensor,
    k: int = 5,
    exclude: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The k rows of `vectors` most cosine-similar to each target vector (Q, d); `exclude`
    (Q,) or (Q, m) names row ids each target may not return."""
    sims = F.normalize(targets, dim=1) @ F.normalize(vectors, dim=1).T
    if exclude is not None:
        excluded = exclude.view(len(targets), -1)
        sims = sims.scatter(1, excluded, float("-inf"))
    top = sims.topk(min(k, vectors.shape[0]), dim=1)
    return top.indices, top.values


def analogy(vectors: torch.Tensor, a: int, b: int, c: int, k: int = 1) -> torch.Tensor:
    """The k word ids nearest to v_b - v_a + v_c (a : b :: c : ?), a, b and c left out."""
    unit = F.normalize(vectors, dim=1)
    target = (unit[b] - unit[a] + unit[c]).unsqueeze(0)
    ids, _ = nearest_to(vectors, target, k, exclude=torch.tensor([[a, b, c]]))
    return ids[0]


def mean_vectors(vectors: torch.Tensor, sentences: Sequence[torch.Tensor]) -> torch.Tensor:
    """The mean of each sentence's word vectors (S, d); an empty sentence gets zeros."""
    lengths = torch.tensor([len(s) for s in sentences], dtype=torch.int64)
    offsets = torch.cat([torch.zeros(1, dtype=torch.int64), lengths.cumsum(0)[:-1]])
    flat = torch.cat(list(sentences)) if sentences else torch.zeros(0, dtype=torch.int64)
    return F.embedding_bag(flat, vectors, offsets, mode="mean")


def pair_similarities(vectors: torch.Tensor, pairs: torch.Tensor) -> torch.Tensor:
    """Cosine similarity of each (i, j) row of `pairs` (P, 2)."""
    return F.cosine_similarity(vectors[pairs[:, 0]], vectors[pairs[:, 1]], dim=1)


def related_pairs_auc(
    vectors: torch.Tensor, related: torch.Tensor, unrelated: torch.Tensor
) -> float:
    """ROC AUC of cosine similarity separating `related` pairs from `unrelated` ones."""
    from sklearn.metrics import roc_auc_score

    sims = torch.cat([pair_similarities(vectors, related), pair_similarities(vectors, unrelated)])
    labels = np.r_[np.ones(len(related)), np.zeros(len(unrelated))]
    return float(roc_auc_score(labels, sims.numpy()))


def partner_ranks(vectors: torch.Tensor, pairs: torch.Tensor) -> torch.Tensor:
    """For each pair (a, b): the rank of b among all other words by cosine to a (1 = nearest)."""
    unit = F.normalize(vectors, dim=1)
    sims = unit[pairs[:, 0]] @ unit.T
    sims[torch.arange(len(pairs)), pairs[:, 0]] = float("-inf")  # a is not its own neighbour
    partner = sims[torch.arange(len(pairs)), pairs[:, 1]]
    return (sims > partner[:, None]).sum(dim=1) + 1


def probe_accuracy(
    features: np.ndarray, labels: np.ndarray, folds: int = 5, seed: int = 0, c: float = 1.0
) -> tuple[float, float]:
    """Mean and standard deviation of stratified k-fold accuracy of a logistic regression on
    standardised features (scaler fitted on each training fold only)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    probe = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))
    splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    scores = cross_val_score(probe, features, labels, cv=splits, scoring="accuracy")
    return float(scores.mean()), float(scores.std())
