"""A two-stage cascade of classifiers for a rare positive class.

Viola & Jones (2001), "Rapid object detection using a boosted cascade of simple features":
most examples are negative and easy, so a cheap first stage, tuned for a very high detection
rate (recall), rejects most of them, and only what it lets through reaches the expensive,
precise second stage. Here, for one positive class:

    1. on validation data, set the cheap stage's threshold t1 to the largest value that keeps
       recall >= the target (`threshold_for_recall`);
    2. predict positive iff cheap(x) >= t1 and expensive(x) >= t2; the expensive model runs only
       on the examples with cheap(x) >= t1 (`Cascade.predict`).

The cascade's recall is at most the first stage's (a positive it rejects is lost), its precision
is the second stage's on what reaches it, and its cost is the cheap model on every example plus
the expensive one on the fraction that passes.

Example:
    >>> import torch
    >>> scores = torch.tensor([0.9, 0.8, 0.3, 0.2, 0.1], dtype=torch.float64)
    >>> labels = torch.tensor([1, 0, 1, 0, 1])
    >>> threshold_for_recall(scores, labels, 2 / 3)
    0.3
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from learnlab.io.errors import ConfigError, DataError

# A scorer maps a batch of inputs to one score per example (e.g. the positive probability).
Scorer = Callable[[Tensor], Tensor]


def _check_scores(scores: Tensor, labels: Tensor) -> None:
    if scores.dim() != 1 or labels.shape != scores.shape:
        raise DataError(
            f"scores and labels must be 1-D and of equal length; got shapes "
            f"{tuple(scores.shape)} and {tuple(labels.shape)}"
        )
    if not bool((labels == 1).any()):
        raise DataError("labels hold no positive example (1); recall is undefined")


def threshold_for_recall(scores: Tensor, labels: Tensor, target_recall: float) -> float:
    """The largest threshold t with recall(score >= t) >= `target_recall` on these labels.

    Recall only changes at positive scores: with P positives, keeping m = ceil(target * P)
    of them needs t at most the m-th largest positive score, and that value itself works."""
    if not 0 < target_recall <= 1:
        raise ConfigError(f"target_recall must be in (0, 1]; got {target_recall!r}")
    _check_scores(scores, labels)
    positives = scores[labels == 1].double().sort(descending=True).values
    # the small slack keeps e.g. 0.99 * 100 = 99.00000000000001 from asking for 100 positives
    needed = max(1, math.ceil(target_recall * positives.numel() - 1e-9))
    return float(positives[needed - 1])


def sweep_thresholds(
    cheap_scores: Tensor, expensive_positive: Tensor, labels: Tensor, thresholds: Tensor
) -> dict[str, Tensor]:
    """For each first-stage threshold: the fraction of examples that reach the second stage,
    the first stage's recall and the cascade's recall (`expensive_positive`: the second stage's
    decision on every example, used here for analysis only)."""
    _check_scores(cheap_scores, labels)
    passed = cheap_scores.unsqueeze(0) >= thresholds.unsqueeze(1)  # (T, N)
    positive = (labels == 1).unsqueeze(0)
    n_pos = positive.sum()
    return {
        "threshold": thresholds,
        "fraction_to_expensive": passed.double().mean(dim=1),
        "cheap_recall": (passed & positive).sum(dim=1).double() / n_pos,
        "cascade_recall": (passed & positive & expensive_positive.unsqueeze(0)).sum(dim=1).double()
        / n_pos,
    }


@dataclass
class CascadeOutput:
    """Predictions (0/1, int64) and what the expensive stage cost."""

    prediction: Tensor
    passed: Tensor  # bool, the examples that reached the expensive stage
    cheap_seconds: float
    expensive_seconds: float

    @property
    def expensive_fraction(self) -> float:
        return float(self.passed.double().mean())


@dataclass
class Cascade:
    """Cheap scorer with threshold `cheap_threshold`, then expensive scorer with
    `expensive_threshold`, on the examples the first lets through only."""

    cheap: Scorer
    expensive: Scorer
    cheap_threshold: float
    expensive_threshold: float = 0.5

    @torch.no_grad()
    def predict(self, x: Tensor) -> CascadeOutput:
        started = time.perf_counter()
        passed = self.cheap(x) >= self.cheap_threshold
        middle = time.perf_counter()
        prediction = torch.zeros(len(x), dtype=torch.int64)
        index = passed.nonzero().squeeze(1)
        if index.numel():
            accept = self.expensive(x.index_select(0, index)) >= self.expensive_threshold
            prediction[index] = accept.to(torch.int64)
        done = time.perf_counter()
        return CascadeOutput(prediction, passed, middle - started, done - middle)
