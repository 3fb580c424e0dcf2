"""Selective prediction: trade coverage for accuracy by refusing low-confidence outputs.

A classifier may abstain when unsure; the fraction of examples it answers is its coverage
(Goodfellow, Bengio and Courville, 2016, "Deep Learning", section 11.1). Following Geifman
and El-Yaniv (2017), "Selective Classification for Deep Neural Networks", a confidence score
(by default the maximum softmax probability, their "softmax response") is thresholded: the
model answers the examples whose confidence is >= t. Sweeping t over the distinct
confidences, from the highest down, gives the coverage-accuracy curve:

    coverage(t) = #{conf >= t} / n,   accuracy(t) = #{correct and conf >= t} / #{conf >= t}

Examples with equal confidence are accepted or refused together (one threshold per distinct
confidence), so no result depends on the order of ties. From the curve:

- accuracy at coverage c: the accuracy of the smallest achievable coverage >= c;
- coverage at accuracy a: the largest coverage whose accuracy is >= a, or 0.0 when even the
  most confident group is less accurate than a (the model must refuse everything);
- AURC, the area under the risk-coverage curve (risk = 1 - accuracy), as a step function:
  sum_j (coverage_j - coverage_{j-1}) risk_j. Without ties it is the mean, over i = 1..n, of
  the error rate of the i most confident examples (Geifman, Uziel and El-Yaniv, 2019,
  "Bias-Reduced Uncertainty Estimation for Deep Neural Classifiers"). Lower is better.

Example:
    >>> import torch
    >>> p = torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.45, 0.55]])
    >>> curve = coverage_accuracy_curve(torch.tensor([0, 1, 1, 1]), p)
    >>> curve.coverage.tolist(), curve.accuracy.tolist()
    ([0.25, 0.5, 0.75, 1.0], [1.0, 1.0, 0.6666666666666666, 0.75])
    >>> accuracy_at_coverage(curve, 0.5), coverage_at_accuracy(curve, 0.99)
    (1.0, 0.5)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from learnlab.io.errors import ConfigError, DataError
from learnlab.metrics.calibration import check_probabilities


@dataclass(frozen=True)
class CoverageCurve:
    """One point per distinct confidence, from the most confident group down (all float64
    but `accepted` and `correct`, int64 counts)."""

    thresholds: Tensor  # decreasing confidences
    accepted: Tensor  # examples answered at each threshold (increasing)
    correct: Tensor  # correct answers among them
    total: int  # examples in all

    @property
    def coverage(self) -> Tensor:
        return self.accepted.to(torch.float64) / self.total

    @property
    def accuracy(self) -> Tensor:
        return self.correct.to(torch.float64) / self.accepted.to(torch.float64)

    @property
    def risk(self) -> Tensor:
        return 1.0 - self.accuracy


def curve_from_counts(
    thresholds: Tensor, accepted_per_group: Tensor, correct_per_group: Tensor
) -> CoverageCurve:
    """The curve from per-group counts, groups ordered by decreasing confidence; empty groups
    (a streaming bin nobody fell into) are skipped."""
    filled = accepted_per_group > 0
    if not bool(filled.any()):
        raise DataError("the coverage curve of zero examples is undefined; pass at least one")
    accepted = torch.cumsum(torch.masked_select(accepted_per_group, filled).long(), 0)
    correct = torch.cumsum(torch.masked_select(correct_per_group, filled).long(), 0)
    kept = torch.masked_select(thresholds, filled)
    return CoverageCurve(kept, accepted, correct, int(accepted[-1]))


def selective_curve(correct: Tensor, confidence: Tensor) -> CoverageCurve:
    """The coverage-accuracy curve of per-example correctness (bool) and confidence (any
    real score, higher = more confident)."""
    if not isinstance(correct, Tensor) or not isinstance(confidence, Tensor):
        raise DataError("correct and confidence must be torch Tensors")
    if correct.dim() != 1 or correct.shape != confidence.shape:
        raise DataError(
            f"correct and confidence must be 1-D with one value per example, got shapes "
            f"{tuple(correct.shape)} and {tuple(confidence.shape)}"
        )
    confidence = confidence.detach().to("cpu", torch.float64)
    if not bool(torch.isfinite(confidence).all()):
        raise DataError("confidence holds NaN or infinite values; every score must be finite")
    if confidence.numel() == 0:
        raise DataError("the coverage curve of zero examples is undefined; pass at least one")
    # group equal confidences: unique sorts ascending, so flip to most confident first
    values, group = torch.unique(confidence, sorted=True, return_inverse=True)
    groups = len(values)
    per_group = torch.bincount(group, minlength=groups)
    hits = torch.bincount(group, weights=correct.detach().cpu().to(torch.float64), minlength=groups)
    return curve_from_counts(values.flip(0), per_group.flip(0), hits.round().flip(0))


def coverage_accuracy_curve(
    y_true: Tensor, probabilities: Tensor, confidence: Tensor | None = None
) -> CoverageCurve:
    """The curve of argmax predictions of (n, K) probabilities; confidence defaults to the
    maximum probability (pass e.g. the margin or minus the entropy to rank differently)."""
    check_probabilities(y_true, probabilities)
    probabilities = probabilities.detach().cpu()
    predicted = probabilities.argmax(dim=1)  # argmax + gather: Tensor.max(dim=) is slow here
    top = probabilities.gather(1, predicted[:, None]).squeeze(1)
    correct = predicted == y_true.detach().cpu()
    return selective_curve(correct, top if confidence is None else confidence)


def _check_fraction(value: float, name: str, low_open: bool) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    ok = ok and (0 < value <= 1 if low_open else 0 <= value <= 1)
    if not ok:
        interval = "(0, 1]" if low_open else "[0, 1]"
        raise ConfigError(f"{name} must be a fraction in {interval}, got {value!r}")
    return float(value)


def _index_at_coverage(curve: CoverageCurve, coverage: float) -> int:
    coverage = _check_fraction(coverage, "coverage", low_open=True)
    # count in examples, not floats, so that 0.9 of 10 examples is 9 exactly
    needed = max(1, math.ceil(round(coverage * curve.total, 9)))
    return int(torch.searchsorted(curve.accepted, torch.tensor(needed)))


def coverage_at_least(curve: CoverageCurve, coverage: float) -> float:
    """The smallest achievable coverage >= `coverage` (ties are answered together, so the
    coverage moves in steps of one group of equal confidences)."""
    return float(curve.coverage[_index_at_coverage(curve, coverage)])


def accuracy_at_coverage(curve: CoverageCurve, coverage: float) -> float:
    """Accuracy when answering at least a fraction `coverage` of the examples: the most
    confident ones, up to the smallest achievable coverage >= `coverage`."""
    return float(curve.accuracy[_index_at_coverage(curve, coverage)])


def coverage_at_accuracy(curve: CoverageCurve, accuracy: float) -> float:
    """The largest coverage whose accuracy is >= `accuracy`, or 0.0 when no threshold reaches
    it: to be that accurate the model would have to refuse everything."""
    accuracy = _check_fraction(accuracy, "accuracy", low_open=False)
    reaching = torch.nonzero(curve.accuracy >= accuracy).flatten()
    return float(curve.coverage[reaching[-1]]) if len(reaching) else 0.0


def area_under_risk_coverage(curve: CoverageCurve) -> float:
    """AURC: the risk-coverage curve's area as a step function over coverage (lower is better)."""
    widths = torch.diff(curve.coverage, prepend=torch.zeros(1, dtype=torch.float64))
    return float((widths * curve.risk).sum())
