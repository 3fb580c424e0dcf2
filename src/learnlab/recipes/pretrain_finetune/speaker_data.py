"""Part (b)'s data: Tiny Shakespeare's lines labelled by their speaker, and the text the
language model is pre-trained on, which never holds a test line.

The lines and speakers are `data.words.speaker_lines` (a line `NAME:` opens a speech, the
lines after it up to a blank line are spoken by NAME). The K speakers with the most lines in
the whole text are kept. The split: for each of them, the last `test_fraction` of their lines
(in the order of the text) are the test set; the others form the pool from which the labelled
lines are drawn (the same number per speaker). The pre-training text is the whole text with
the test lines cut out (line by line): the language model never reads a test line, while the
labelled lines are part of its unlabelled text, as in any pre-training on the training data.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from learnlab.data.words import SpokenLine, speaker_lines
from learnlab.io.errors import ConfigError

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class SpeakerSplit:
    """The K speakers (most lines first), the pool and test lines, and the pre-training text."""

    speakers: list[str]
    pool: list[SpokenLine]
    test: list[SpokenLine]
    pretrain_text: str


def split_speakers(text: str, speakers: int, test_fraction: float) -> SpeakerSplit:
    """The `speakers` most frequent speakers' lines split into pool and test (see the module
    docstring), and `text` without the test lines."""
    lines = speaker_lines(text)
    counts = Counter(line.speaker for line in lines)
    if len(counts) < speakers:
        raise ConfigError(
            f"speakers={speakers}, but the text has {len(counts)} speakers; choose at most "
            f"{len(counts)}."
        )
    # most lines first, ties by name, so that the choice does not depend on dict order
    chosen = sorted(counts, key=lambda name: (-counts[name], name))[:speakers]
    pool, test = [], []
    for name in chosen:
        own = [line for line in lines if line.speaker == name]
        held = max(1, round(test_fraction * len(own)))
        if held >= len(own):
            raise ConfigError(
                f"speaker {name} has {len(own)} lines, too few to hold out {held} for the test "
                "set; lower speaker_test_fraction or use a longer text."
            )
        pool += own[:-held]
        test += own[-held:]
    cut = {line.number for line in test}
    kept = [raw for number, raw in enumerate(text.splitlines()) if number not in cut]
    return SpeakerSplit(chosen, pool, test, "\n".join(kept) + "\n")


def balanced_lines(
    pool: list[SpokenLine], speakers: list[str], count: int, seed: int
) -> list[SpokenLine]:
    """count / K lines of each speaker drawn at random (seeded) from the pool."""
    import torch

    per_speaker = count // len(speakers)
    g = torch.Generator().manual_seed(seed)
    chosen = []
    for name in speakers:
        own = [line for line in pool if line.speaker == name]
        if len(own) < per_speaker:
            raise ConfigError(
                f"speaker_label_counts holds {count}: {per_speaker} labelled lines per speaker, "
                f"but {name} has {len(own)} lines outside the test set; choose counts of at "
                f"most {len(own) * len(speakers)}, or fewer speakers."
            )
        order = torch.randperm(len(own), generator=g)[:per_speaker].tolist()
        chosen += [own[i] for i in order]
    return chosen


def encode_lines(lines: list[SpokenLine], vocab: list[str], context: int) -> torch.Tensor:
    """(N, context) int64 character ids, each line cut to `context` characters and padded on
    the right with the id len(vocab) (which the classifier masks out)."""
    import torch

    index = {c: i for i, c in enumerate(vocab)}
    ids = torch.full((len(lines), context), len(vocab), dtype=torch.int64)
    for row, line in enumerate(lines):
        chars = [index[c] for c in line.text[:context]]
        ids[row, : len(chars)] = torch.tensor(chars, dtype=torch.int64)
    return ids


def speaker_labels(lines: list[SpokenLine], speakers: list[str]) -> torch.Tensor:
    import torch

    position = {name: i for i, name in enumerate(speakers)}
    return torch.tensor([position[line.speaker] for line in lines], dtype=torch.int64)
