"""Words of a text: a tokeniser, a vocabulary with a minimum count, ids; Tiny Shakespeare's
text and its lines with their speakers.

The tokeniser lowercases the text and keeps runs of letters with inner apostrophes
(`[a-z]+(?:'[a-z]+)*`: "o'er" and "ne'er" stay one word; digits, punctuation and a leading or
trailing apostrophe are dropped). The vocabulary holds the words seen at least `min_count` times,
most frequent first (ties alphabetical), so that id 0 is the most frequent word; a word outside
it has no id, and `encode` drops it, as word2vec does (Mikolov et al., 2013).

Tiny Shakespeare (Karpathy, 2015) is a run of speeches: a line `NAME:` names the speaker, the
lines after it up to a blank line are the speech. `speaker_lines` returns every spoken line with
its speaker.

Example:
    >>> vocab = build_vocabulary(tokenize("The king, the Queen; the KING's men."), min_count=2)
    >>> vocab.words, vocab.counts
    (['the'], [3])
    >>> encode(tokenize("the king"), vocab).tolist()
    [0]
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from learnlab.io.errors import ConfigError

WORD_PATTERN = re.compile(r"[a-z]+(?:'[a-z]+)*")
# a speaker line of Tiny Shakespeare: "ROMEO:", "KING RICHARD III:", "First Citizen:"
SPEAKER_PATTERN = re.compile(r"^([A-Za-z][A-Za-z' ]*):$")


def tokenize(text: str) -> list[str]:
    """The lowercase words of `text`, in order."""
    return WORD_PATTERN.findall(text.lower())


@dataclass(frozen=True)
class Vocabulary:
    """Words (most frequent first), their counts in the text it was built from, and their ids."""

    words: list[str]
    counts: list[int]
    index: dict[str, int] = field(repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    def id(self, word: str) -> int:
        """The id of `word`; a ConfigError names it when it is not in the vocabulary."""
        if word not in self.index:
            raise ConfigError(
                f"word {word!r} is not in the vocabulary ({len(self)} words seen at least "
                f"{min(self.counts, default=0)} times); choose another word or lower min_count."
            )
        return self.index[word]

    def counts_tensor(self) -> torch.Tensor:
        """The counts as int64, indexed by id."""
        return torch.tensor(self.counts, dtype=torch.int64)


def build_vocabulary(tokens: Iterable[str], min_count: int = 5) -> Vocabulary:
    """The words of `tokens` seen at least `min_count` times, most frequent first."""
    if min_count < 1:
        raise ConfigError(f"min_count must be >= 1; got {min_count}.")
    counts = Counter(tokens)
    kept = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    if not kept:
        raise ConfigError(
            f"no word occurs {min_count} times or more in the text ({len(counts)} distinct "
            "words); lower min_count or use a longer text."
        )
    return Vocabulary(kept, [counts[w] for w in kept], {w: i for i, w in enumerate(kept)})


def encode(tokens: Iterable[str], vocab: Vocabulary) -> torch.Tensor:
    """The ids (int64) of the tokens that are in the vocabulary, in order; others are dropped."""
    index = vocab.index
    return torch.tensor([index[t] for t in tokens if t in index], dtype=torch.int64)


def shakespeare_texts(root: str | Path | None = None, download: bool = True) -> tuple[str, str]:
    """Tiny Shakespeare's train text (the first 90%) and test text (the rest), rebuilt from the
    `tiny-shakespeare` data set's character ids, so that both use its split."""
    from learnlab.data.registry import load_dataset

    ds = load_dataset("tiny-shakespeare", root=root, download=download)
    chars = np.array(ds.extras["vocab"])

    def text(split) -> str:
        # x holds every character but the last, which is y's last one
        ids = torch.cat([split.x, split.y[-1:]]).numpy()
        return "".join(chars[ids].tolist())

    return text(ds.train), text(ds.test)


@dataclass(frozen=True)
class SpokenLine:
    speaker: str
    text: str
    # its index in text.splitlines(): where it stands in the text (to cut it out, e.g.)
    number: int = field(default=-1, compare=False)


def speaker_lines(text: str) -> list[SpokenLine]:
    """Every non-empty line of a speech in `text`, with the name of its speaker."""
    lines = []
    speaker = None
    for number, raw in enumerate(text.splitlines()):
        line = raw.strip()
        if not line:
            speaker = None  # a blank line ends the speech
            continue
        match = SPEAKER_PATTERN.match(line)
        if match:
            speaker = match.group(1)
        elif speaker is not None:
            lines.append(SpokenLine(speaker, line, number))
    return lines
