"""Strings of digits: images of 1 to `max_length` digit images side by side, with their labels.

A structured-output task (lecture L3): the target is a sequence whose length varies, not one
class. Each example draws its length uniformly in [min_length, max_length], its digits at
random from the given images (MNIST's training digits for training strings, its test digits
for test strings), the horizontal gaps between neighbours in [min_gap, max_gap] pixels (a
negative gap overlaps the digits' blank borders; overlapping pixels take the maximum), a
random left margin in what is left of the width, and a vertical offset per digit in
[0, max_offset]. The canvas is `width` pixels wide and `digit height + max_offset` high, so
that every string, whatever its length, has the same shape and a batch is one tensor.

Labels are padded to `max_length` with -1 (never a digit); `lengths` says how many are real.
Everything is drawn from one seeded generator: the same seed gives the same strings.

Example:
    >>> digits = torch.rand(20, 8, 8)
    >>> strings = digit_strings(digits, torch.arange(20) % 10, 6, width=44, max_length=5, seed=0)
    >>> strings.images.shape, strings.labels.shape, bool((strings.lengths >= 1).all())
    (torch.Size([6, 1, 10, 44]), torch.Size([6, 5]), True)
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from learnlab.io.errors import ConfigError

PAD = -1  # the label of a position past a string's end


@dataclass(frozen=True)
class DigitStrings:
    """`images` (N, 1, H, W) float, `labels` (N, max_length) int64 padded with PAD, `lengths`
    (N,) int64."""

    images: Tensor
    labels: Tensor
    lengths: Tensor

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def sequences(self) -> list[list[int]]:
        """The label strings as lists of digits, without padding."""
        return [row[:n].tolist() for row, n in zip(self.labels, self.lengths.tolist(), strict=True)]


def narrowest_width(digit_width: int, max_length: int, min_gap: int) -> int:
    """The fewest pixels that hold `max_length` digits at the smallest gap."""
    return max_length * digit_width + (max_length - 1) * min_gap


def check_geometry(
    *, digit_width: int, width: int, min_length: int, max_length: int, min_gap: int, max_gap: int
) -> None:
    """ConfigError naming the argument when the strings asked for cannot be drawn."""
    if max_length < 1:
        raise ConfigError(
            f"max_length={max_length}: a string holds at least one digit; use max_length >= 1."
        )
    if not 1 <= min_length <= max_length:
        raise ConfigError(
            f"min_length={min_length}: it must be between 1 and max_length={max_length}."
        )
    if min_gap > max_gap or min_gap <= -digit_width:
        raise ConfigError(
            f"min_gap={min_gap}, max_gap={max_gap}: need -{digit_width} < min_gap <= max_gap "
            f"(a gap of -{digit_width} would put two {digit_width}-pixel digits on each other)."
        )
    need = narrowest_width(digit_width, max_length, min_gap)
    if width < need:
        raise ConfigError(
            f"width={width}: {max_length} digits of {digit_width} pixels at gaps of {min_gap} "
            f"need {need} pixels; raise width to >= {need} or lower max_length."
        )


def digit_strings(
    digits: Tensor,
    digit_labels: Tensor,
    count: int,
    *,
    width: int,
    seed: int,
    min_length: int = 1,
    max_length: int = 5,
    min_gap: int = -2,
    max_gap: int = 3,
    max_offset: int = 2,
) -> DigitStrings:
    """`count` strings made from `digits` (M, h, w) with values in [0, 1] and their labels."""
    if digits.dim() == 4:
        digits = digits.squeeze(1)
    h, w = digits.shape[-2:]
    check_geometry(
        digit_width=w,
        width=width,
        min_length=min_length,
        max_length=max_length,
        min_gap=min_gap,
        max_gap=max_gap,
    )
    if count < 1 or max_offset < 0:
        raise ConfigError(f"count={count}, max_offset={max_offset}: need count >= 1, offset >= 0.")
    g = torch.Generator().manual_seed(seed)
    images = torch.zeros(count, 1, h + max_offset, width)
    labels = torch.full((count, max_length), PAD, dtype=torch.long)
    lengths = torch.randint(min_length, max_length + 1, (count,), generator=g)
    for i, n in enumerate(lengths.tolist()):
        chosen = torch.randint(len(digits), (n,), generator=g)
        labels[i, :n] = digit_labels[chosen]
        lefts = _positions(n, w, width, min_gap, max_gap, g)
        tops = torch.randint(max_offset + 1, (n,), generator=g).tolist()
        for digit, left, top in zip(chosen.tolist(), lefts, tops, strict=True):
            window = images[i, 0, top : top + h, left : left + w]
            torch.maximum(window, digits[digit], out=window)
    return DigitStrings(images, labels, lengths)


def _positions(
    n: int, w: int, width: int, min_gap: int, max_gap: int, g: torch.Generator
) -> list[int]:
    """Left edges of n digits: random gaps in [min_gap, max_gap] (shrunk towards min_gap if
    they would overflow), then a random left margin in the room that is left."""
    room = width - narrowest_width(w, n, min_gap)
    extra = torch.rand(max(n - 1, 0), generator=g) * (max_gap - min_gap + 1)
    extra = extra.floor()
    if extra.sum() > room:
        extra = (extra * room / extra.sum()).floor()
    left = int(torch.randint(int(room - extra.sum()) + 1, (1,), generator=g))
    edges = [left]
    for gap in extra.tolist():
        edges.append(edges[-1] + w + min_gap + int(gap))
    return edges
