"""Connectionist temporal classification (Graves, Fernandez, Gomez & Schmidhuber, ICML 2006).

A model reads an input into T frames of scores over C classes, class 0 being the blank. An
alignment is one class per frame; the collapse B removes repeated classes, then blanks
("aa-ab" -> "ab"... "a-a" -> "aa"), so many alignments give one label string y. CTC trains
the model to maximise p(y | x) = sum over the alignments a with B(a) = y of prod_t p(a_t | x),
summed by the forward algorithm (`torch.nn.functional.ctc_loss`). The loss here is the mean
over the batch of -log p(y | x) (torch's reduction "sum" divided by the batch size: Graves'
objective, not torch's "mean", which also divides each term by its label length).

Best-path decoding (`greedy_decode`) takes the most likely class in each frame and collapses:
not always the most likely string, but the usual fast reader.

Batches are `(images, labels, lengths)`: labels (N, L) padded past each length (any value),
digits as classes 0..C-2 (shifted by one here, past the blank); the model maps images to
(N, T, C) scores.

Example:
    >>> greedy_decode(torch.tensor([[[0., 5, 0], [0, 5, 0], [5, 0, 0], [0, 5, 0]]]).log_softmax(-1))
    [[0, 0]]
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from learnlab.objectives.base import Metrics, Objective

BLANK = 0


def ctc_negative_log_likelihood(
    log_probs: Tensor, labels: Tensor, lengths: Tensor, *, blank: int = BLANK
) -> Tensor:
    """-log p(y_i | x_i) per example: `log_probs` (N, T, C), `labels` (N, L) as classes (the
    blank excluded), `lengths` (N,). Every example uses all T frames."""
    n, frames, _ = log_probs.shape
    frame_counts = torch.full((n,), frames, dtype=torch.long)
    return nn.functional.ctc_loss(
        log_probs.transpose(0, 1),
        labels.clamp(min=0),  # padding is never read past `lengths`; clamp keeps it a class
        frame_counts,
        lengths,
        blank=blank,
        reduction="none",
        zero_infinity=True,  # a string longer than the frames allow would be inf: no gradient
    )


def collapse(path: list[int], *, blank: int = BLANK) -> list[int]:
    """Graves' B: merge runs of the same class, then drop blanks."""
    out: list[int] = []
    previous = None
    for c in path:
        if c != previous and c != blank:
            out.append(c)
        previous = c
    return out


def greedy_decode(log_probs: Tensor, *, blank: int = BLANK) -> list[list[int]]:
    """Best-path decoding of (N, T, C) scores: the argmax of each frame, collapsed, with the
    classes shifted back by one (class c > 0 is digit c - 1)."""
    paths = log_probs.argmax(dim=-1).tolist()
    return [[c - 1 for c in collapse(path, blank=blank)] for path in paths]


def exact_match(decoded: list[list[int]], labels: Tensor, lengths: Tensor) -> Tensor:
    """1.0 where the decoded string equals the true one, per example."""
    truth = [row[:n].tolist() for row, n in zip(labels, lengths.tolist(), strict=True)]
    return torch.tensor([float(d == t) for d, t in zip(decoded, truth, strict=True)])


class CTC(Objective):
    """CTC on `(images, labels, lengths)` batches, labels as digits 0..C-2 (padding < 0);
    metrics: the per-example whole-string accuracy of best-path decoding."""

    metric_names = ("string_accuracy",)

    def __call__(self, model: nn.Module, batch: Any) -> tuple[Tensor, Metrics]:
        images, labels, lengths = batch
        log_probs = model(images).log_softmax(dim=-1)
        classes = torch.where(labels >= 0, labels + 1, labels)
        loss = ctc_negative_log_likelihood(log_probs, classes, lengths).mean()
        with torch.no_grad():
            decoded = greedy_decode(log_probs.detach())
        return loss, {"string_accuracy": exact_match(decoded, labels, lengths)}
