"""Sentence tasks of the `word-embeddings` recipe: lines of the plays as sentences, and the two
probes that show what a sentence vector captures.

- Which play a line comes from (Romeo and Juliet or Coriolanus, known from its speaker): a
  question of meaning (love, night and Verona against Rome, the people and the consul), which
  the mean of word vectors answers well.
- Whether a line's words are in their real order or shuffled: the mean of word vectors is the
  same for both by construction, so it scores at chance; a language model's state is not.

Each probe set is balanced (as many lines of each class), so chance is 50%.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from learnlab.data.words import SpokenLine, Vocabulary, tokenize

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


def ids_in_vocabulary(sentences: Sequence[list[str]], vocab: Vocabulary) -> list[torch.Tensor]:
    """Each sentence's word ids, words outside the vocabulary dropped (for mean vectors)."""
    index = vocab.index
    return [torch.tensor([index[w] for w in s if w in index], dtype=torch.int64) for s in sentences]


def ids_with_unknown(sentences: Sequence[list[str]], vocab: Vocabulary) -> list[torch.Tensor]:
    """Each sentence's word ids, words outside the vocabulary as id len(vocab) (for the LM)."""
    index, unknown = vocab.index, len(vocab)
    return [torch.tensor([index.get(w, unknown) for w in s], dtype=torch.int64) for s in sentences]
