"""Sentence tasks of the word-embeddings recipe: lines of the plays as sentences, and the two
probes that show what a sentence vector captures.

- Which play a line comes from (Romeo and Juliet or Coriolanus, known from its speaker): a
  question of meaning (love, night and Verona against Rome, the people and the consul), which
  the mean of word vectors answers well.
- Whether a line's words are in their real order or shuffled: the mean of word vectors is the
  same for both by construction, so it scores at chance; a language model's state is not.

Each probe set is balanced (as many lines of each class), so chance is 50%.

Both sentence representations (the mean of a line's word vectors, and the language model's
state after the line) are also searched for the nearest lines of three famous lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from learnlab.data.words import SpokenLine, Vocabulary, tokenize
from learnlab.recipes.word_embeddings.corpus import ids_in_vocabulary, ids_with_unknown

if TYPE_CHECKING:
    from learnlab.recipes.word_embeddings.language_model import WordLanguageModel

QUERY_LINES = (
    "Now is the winter of our discontent",
    "A horse! a horse! my kingdom for a horse!",
    "O Romeo, Romeo! wherefore art thou Romeo?",
)

# speakers of the two plays in Tiny Shakespeare (names as the text writes them)
PLAYS: dict[str, tuple[str, ...]] = {
    "Romeo and Juliet": (
        "ROMEO",
        "JULIET",
        "Nurse",
        "MERCUTIO",
        "BENVOLIO",
        "CAPULET",
        "LADY CAPULET",
        "FRIAR LAURENCE",
        "TYBALT",
        "PARIS",
        "MONTAGUE",
    ),
    "Coriolanus": (
        "CORIOLANUS",
        "MARCIUS",
        "MENENIUS",
        "SICINIUS",
        "BRUTUS",
        "COMINIUS",
        "VOLUMNIA",
        "AUFIDIUS",
        "VIRGILIA",
        "LARTIUS",
        "VALERIA",
    ),
}


@dataclass(frozen=True)
class ProbeSet:
    """Sentences as word lists, their class labels (0/1) and the class names."""

    sentences: list[list[str]]
    labels: torch.Tensor
    classes: tuple[str, str]


def _balanced(
    groups: Sequence[list[list[str]]], per_class: int, generator: torch.Generator
) -> tuple[list[list[str]], torch.Tensor]:
    n = min(per_class, *(len(g) for g in groups))
    sentences, labels = [], []
    for label, group in enumerate(groups):
        chosen = torch.randperm(len(group), generator=generator)[:n].sort().values
        sentences += [group[i] for i in chosen.tolist()]
        labels += [label] * n
    return sentences, torch.tensor(labels)


def play_probe(
    lines: Sequence[SpokenLine], min_words: int, per_class: int, generator: torch.Generator
) -> ProbeSet:
    """Lines of Romeo and Juliet (label 0) and Coriolanus (label 1) with >= min_words words."""
    groups = []
    for speakers in PLAYS.values():
        words = [tokenize(line.text) for line in lines if line.speaker in speakers]
        groups.append([w for w in words if len(w) >= min_words])
    sentences, labels = _balanced(groups, per_class, generator)
    names = tuple(PLAYS)
    return ProbeSet(sentences, labels, (names[0], names[1]))


def shuffled(words: list[str], generator: torch.Generator) -> list[str]:
    """The words in a random order other than the given one (when one exists)."""
    if len(set(words)) < 2:
        return list(words)
    while True:
        order = torch.randperm(len(words), generator=generator).tolist()
        candidate = [words[i] for i in order]
        if candidate != words:
            return candidate


def order_probe(
    lines: Sequence[SpokenLine], min_words: int, per_class: int, generator: torch.Generator
) -> ProbeSet:
    """Lines in their real order (label 0) and other lines with their words shuffled
    (label 1); each line is used once, so a pair of versions of one line never splits."""
    words = [tokenize(line.text) for line in lines]
    words = [w for w in words if len(w) >= min_words and len(set(w)) >= 2]
    order = torch.randperm(len(words), generator=generator).tolist()
    n = min(per_class, len(words) // 2)
    real = [words[i] for i in order[:n]]
    mixed = [shuffled(words[i], generator) for i in order[n : 2 * n]]
    return ProbeSet(real + mixed, torch.tensor([0] * n + [1] * n), ("real order", "shuffled"))


def neighbour_pool(lines: Sequence[SpokenLine], size: int) -> list[str]:
    """Up to `size` distinct lines of >= 4 words in text order, the query lines left out: the
    lines searched for the query lines' nearest ones."""
    seen = set(QUERY_LINES)
    pool = []
    for line in lines:
        if len(pool) == size:
            break
        if line.text not in seen and len(tokenize(line.text)) >= 4:
            seen.add(line.text)
            pool.append(line.text)
    return pool


def probe_scores(
    probe: ProbeSet,
    vocab: Vocabulary,
    vectors: torch.Tensor,
    lm: WordLanguageModel,
    folds: int,
    seed: int,
) -> dict[str, float]:
    """Cross-validated accuracy of a linear probe on each sentence representation: the mean of
    the word vectors (`mean_vectors`) and the language model's final state (`lm_state`)."""
    from learnlab.analysis.embeddings import mean_vectors, probe_accuracy

    labels = probe.labels.numpy()
    mean = mean_vectors(vectors, ids_in_vocabulary(probe.sentences, vocab)).numpy()
    state = lm.sentence_states(ids_with_unknown(probe.sentences, vocab)).numpy()
    scores = {}
    for name, features in (("mean_vectors", mean), ("lm_state", state)):
        scores[name], _ = probe_accuracy(features, labels, folds, seed)
    return scores


def sentence_features(
    lines: Sequence[str], vocab: Vocabulary, vectors: torch.Tensor, lm: WordLanguageModel
) -> dict[str, torch.Tensor]:
    """Each representation of the lines: representation name -> features (lines, d)."""
    from learnlab.analysis.embeddings import mean_vectors

    words = [tokenize(line) for line in lines]
    return {
        "mean of word vectors": mean_vectors(vectors, ids_in_vocabulary(words, vocab)),
        "language model state": lm.sentence_states(ids_with_unknown(words, vocab)),
    }
