"""The word-embeddings recipe's tables and notes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import torch

from learnlab.data.words import Vocabulary
from learnlab.result import percent

if TYPE_CHECKING:
    from learnlab.recipes.word_embeddings.config import WordEmbeddingsConfig


def neighbour_table(
    vocab: Vocabulary,
    vectors: torch.Tensor,
    control: torch.Tensor,
    words: Sequence[str],
    k: int,
) -> list[dict[str, object]]:
    """Per query word: its k nearest words (cosine) under the trained and the random vectors."""
    from learnlab.analysis.embeddings import nearest_neighbours

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
    from learnlab.analysis.embeddings import nearest_to

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


def probe_table(
    lines: dict[str, int], scores: dict[str, dict[str, float]]
) -> list[dict[str, object]]:
    """One row per probe ("play", "order"): its lines and each representation's accuracy."""
    names = {
        "play": "which play (Romeo and Juliet / Coriolanus)",
        "order": "real word order / shuffled",
    }
    return [
        {
            "probe": names[probe],
            "lines": lines[probe],
            "mean of word vectors": percent(scores[probe]["mean_vectors"]),
            "language model state": percent(scores[probe]["lm_state"]),
        }
        for probe in names
    ]


def notes(
    config: WordEmbeddingsConfig, vocab: Vocabulary, summary: dict[str, Any], missing: Sequence[str]
) -> list[str]:
    """The sentences under the report's title."""
    kind = "v + u (input plus output vectors)" if config.add_output_vectors else "v (input vectors)"
    text = [
        f"Words: the lowercase letter runs of Tiny Shakespeare's first 90% "
        f"({summary['train_words']:,} words); the vocabulary holds the {len(vocab):,} words seen "
        f"at least {config.min_count} times.",
        f"Word vectors: {kind}{', minus their mean' if config.centre_vectors else ''}; "
        "similarity is the cosine.",
        "Controls: random vectors (neighbours, related pairs) and, for the held-out loss, the "
        "best scorer that ignores the centre word (log p(context) - log(k q(context))). An "
        "untrained model scores (1 + k) log 2.",
        "Sentence probes use lines of the whole text (both splits): neither representation "
        "saw the labels; the mean of word vectors cannot see word order, so ~50% is what it "
        "must score on the order probe.",
        f"Held-out words outside the vocabulary are dropped for skip-gram; the language model "
        f"maps them to one unknown word. lm_val_loss_unigram ({summary['lm_val_loss_unigram']:.3f}"
        " nats per word) is the unigram model's loss on the same words.",
    ]
    if missing:
        text.append(f"Query words not in the vocabulary (skipped): {', '.join(missing)}.")
    return text
