"""Captions of digit images made from class names and templates, and a word vocabulary.

A digit's captions are its name in several templates ("a photo of the digit seven", "a
handwritten 7", ...) and one description by the segments a seven-segment display lights for it
("a digit lit on segments top upper-right lower-right"). Words are split on spaces; each
segment name is one word. The vocabulary holds the words of every digit's captions (held-out
ones included, so that their prompts can be written down); id 0 is padding.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from learnlab.objectives.attributes import SEGMENTS, lit_segments

DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
NAME_TEMPLATES = (
    "a photo of the digit {name}",
    "a handwritten {numeral}",
    "the number {name}",
    "a drawing of a {name}",
)
PAD = 0
SEGMENT_WORDS = frozenset(SEGMENTS)


def name_captions(digit: int) -> list[str]:
    return [t.format(name=DIGIT_NAMES[digit], numeral=digit) for t in NAME_TEMPLATES]


def description_caption(digit: int) -> str:
    return "a digit lit on segments " + " ".join(lit_segments(digit))


def all_captions(digit: int) -> list[str]:
    return [*name_captions(digit), description_caption(digit)]


def vocabulary() -> dict[str, int]:
    """Every word of every digit's captions, in order of first appearance, from id 1."""
    words: dict[str, int] = {}
    for digit in range(10):
        for caption in all_captions(digit):
            for word in caption.split():
                words.setdefault(word, len(words) + 1)
    return words


def tokenize(captions: Sequence[str], words: dict[str, int]) -> torch.Tensor:
    """(captions, longest) word ids, padded with 0."""
    ids = [[words[w] for w in caption.split()] for caption in captions]
    longest = max(len(row) for row in ids)
    return torch.tensor([row + [PAD] * (longest - len(row)) for row in ids], dtype=torch.long)


def words_of(digits: Sequence[int]) -> set[str]:
    return {w for d in digits for caption in all_captions(d) for w in caption.split()}
