"""The word vectors against random vectors: nearest neighbours of chosen words, and ~25
hand-made related pairs (thee/thou, king/queen, ...) against random pairs, scored by the ROC
AUC of the cosine similarity and by the rank of each pair's partner among all words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from learnlab.data.words import Vocabulary
from learnlab.io.errors import ConfigError

QUERY_WORDS = ("king", "queen", "love", "death", "lord", "thou", "good", "romeo", "night", "blood")

# Pairs of words related in meaning or use; pairs with a word outside the vocabulary are skipped.
RELATED_PAIRS = (
    ("thee", "thou"),
    ("thy", "thine"),
    ("king", "queen"),
    ("lord", "lady"),
    ("father", "mother"),
    ("son", "daughter"),
    ("brother", "sister"),
    ("husband", "wife"),
    ("man", "woman"),
    ("day", "night"),
    ("heaven", "earth"),
    ("life", "death"),
    ("love", "hate"),
    ("sir", "madam"),
    ("he", "she"),
    ("his", "her"),
    ("hath", "doth"),
    ("art", "wilt"),
    ("come", "go"),
    ("speak", "say"),
    ("eyes", "tears"),
    ("hand", "heart"),
    ("gentle", "noble"),
    ("two", "three"),
    ("sword", "blood"),
    ("duke", "lord"),
)


def used_pairs(vocab: Vocabulary) -> list[tuple[str, str]]:
    """The related pairs with both words in the vocabulary (a ConfigError if there are none)."""
    used = [(a, b) for a, b in RELATED_PAIRS if a in vocab and b in vocab]
    if not used:
        raise ConfigError(
            "none of the related pairs has both words in the vocabulary; lower min_count or "
            "train on more text (limit_words)."
        )
    return used


def related_pairs(vocab: Vocabulary, generator: torch.Generator, per_pair: int, top: int):
    """(related (R, 2), random (R * per_pair, 2), the pairs used): each related pair's first
    word against `per_pair` words drawn uniformly from the `top` most frequent ones."""
    used = used_pairs(vocab)
    related = torch.tensor([[vocab.id(a), vocab.id(b)] for a, b in used])
    top = min(top, len(vocab))
    partners = torch.randint(0, top, (len(used), per_pair), generator=generator)
    random_pairs = torch.stack([related[:, :1].expand(-1, per_pair), partners], dim=2)
    random_pairs = random_pairs.reshape(-1, 2)
    random_pairs = random_pairs[random_pairs[:, 0] != random_pairs[:, 1]]
    return related, random_pairs, used


@dataclass(frozen=True)
class PairScores:
    """Related pairs under the trained and the random vectors."""

    used: list[tuple[str, str]]
    ranks: torch.Tensor  # (R,) float64, rank of each partner (1 = nearest), trained vectors
    control_ranks: torch.Tensor  # the same under the random vectors
    auc: float
    control_auc: float

    def summary(self) -> dict[str, Any]:
        return {
            "related_pairs_auc": self.auc,
            "related_pairs_auc_control": self.control_auc,
            "related_pairs_median_rank": float(self.ranks.median()),
            "related_pairs_median_rank_control": float(self.control_ranks.median()),
            "related_pairs_used": len(self.used),
        }

    def table(self) -> list[dict[str, Any]]:
        rows = zip(self.used, self.ranks.tolist(), self.control_ranks.tolist(), strict=True)
        return [
            {"pair": f"{a} / {b}", "skip-gram rank": int(r), "random-vector rank": int(c)}
            for (a, b), r, c in rows
        ]


def score_pairs(
    vocab: Vocabulary,
    vectors: torch.Tensor,
    control: torch.Tensor,
    generator: torch.Generator,
    per_pair: int,
    top: int,
) -> PairScores:
    """The related pairs against random partners drawn from `generator`."""
    from learnlab.analysis.embeddings import partner_ranks, related_pairs_auc

    related, unrelated, used = related_pairs(vocab, generator, per_pair, top)
    return PairScores(
        used=used,
        ranks=partner_ranks(vectors, related).to(torch.float64),
        control_ranks=partner_ranks(control, related).to(torch.float64),
        auc=related_pairs_auc(vectors, related, unrelated),
        control_auc=related_pairs_auc(control, related, unrelated),
    )
