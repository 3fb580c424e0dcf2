"""Streaming metrics: accumulators whose memory does not grow with the number of examples.

Exact ranking curves need every score; over a data set too large to keep (or an evaluation
spread over many batches) one keeps instead a histogram of the scores on a fixed grid, as
TensorFlow's binned AUC does (Abadi et al., 2016, "TensorFlow: A System for Large-Scale
Machine Learning"). A score s in [0, 1] falls in bin j = floor(s (B - 1)), i.e. it is rounded
down to the grid value j / (B - 1); each accumulator keeps per-bin counts only, so

- `StreamingConfusion`: the (K, K) confusion matrix, exact;
- `StreamingCurves`: positives and negatives per score bin and class: PR and ROC curves, AP
  and AUC equal to the exact ones computed on scores rounded down to the grid;
- `StreamingCalibration`: per-bin counts, confidence sums and correct counts: the reliability
  diagram and ECE are exact (they only need those sums);
- `StreamingCoverage`: answered and correct per confidence bin: the coverage-accuracy curve of
  confidences rounded down to the grid.

Call `update(...)` once per batch, `compute...()` at the end; `state_dict()` returns the state
tensors, whose sizes are fixed at construction.

Example:
    >>> import torch
    >>> curves = StreamingCurves(num_classes=None, num_bins=11)
    >>> curves.update(torch.tensor([0, 1]), torch.tensor([0.12, 0.81]))
    >>> curves.update(torch.tensor([1, 0]), torch.tensor([0.35, 0.4]))
    >>> curves.roc_auc()
    0.75
"""

from __future__ import annotations

import torch
from torch import Tensor

from learnlab.io.errors import ConfigError, DataError
from learnlab.metrics import curves as exact
from learnlab.metrics.calibration import (
    DEFAULT_CALIBRATION_BINS,
    ReliabilityDiagram,
    bin_edges,
    calibration_bin_index,
    check_num_bins,
    confidence_and_correct,
    diagram_from_sums,
)
from learnlab.metrics.scores import confusion_matrix
from learnlab.metrics.selective import CoverageCurve, curve_from_counts

DEFAULT_SCORE_BINS = 1001  # thresholds 0, 0.001, ..., 1


def grid_index(scores: Tensor, num_bins: int) -> Tensor:
    """The bin of each score in [0, 1] on a grid of `num_bins` thresholds j / (num_bins - 1)."""
    scores = scores.detach().to("cpu", torch.float64)
    if scores.numel() and not bool(((scores >= 0) & (scores <= 1)).all()):
        raise DataError(
            "binned curves need scores in [0, 1] (probabilities); apply softmax or sigmoid "
            "first, or use the exact functions of learnlab.metrics.curves"
        )
    return torch.floor(scores * (num_bins - 1)).to(torch.int64).clamp(0, num_bins - 1)


def grid_values(num_bins: int) -> Tensor:
    return torch.arange(num_bins, dtype=torch.float64) / (num_bins - 1)


def _labels(y_true: Tensor, n: int) -> Tensor:
    if not isinstance(y_true, Tensor) or y_true.dim() != 1 or y_true.shape[0] != n:
        raise DataError(f"y_true must be 1-D with one label per score row ({n})")
    if y_true.is_floating_point() or y_true.is_complex():
        raise DataError(f"y_true must hold integer class labels, got dtype {y_true.dtype}")
    return y_true.detach().cpu().to(torch.int64)


class StreamingConfusion:
    """The confusion matrix over batches: `update(y_true, y_pred or (n, K) scores)`."""

    def __init__(self, num_classes: int) -> None:
        self.num_classes = num_classes
        self.counts = torch.zeros(num_classes, num_classes, dtype=torch.int64)

    def update(self, y_true: Tensor, predictions: Tensor) -> None:
        if predictions.dim() == 2:  # scores or probabilities: the argmax is the prediction
            predictions = predictions.argmax(dim=1)
        self.counts += confusion_matrix(y_true.cpu(), predictions.cpu(), self.num_classes)

    def compute(self) -> Tensor:
        return self.counts.clone()

    def state_dict(self) -> dict[str, Tensor]:
        return {"counts": self.counts}


class StreamingCurves:
    """Binned PR and ROC curves. `num_classes=None`: binary, `update(y_true, scores (n,))`
    with positives `y_true == pos_label`; else one-vs-rest over (n, K) probabilities."""

    def __init__(
        self, num_classes: int | None, num_bins: int = DEFAULT_SCORE_BINS, pos_label: int = 1
    ) -> None:
        if check_num_bins(num_bins) < 2:
            raise ConfigError(f"num_bins must be >= 2 (the grid's ends 0 and 1), got {num_bins}")
        if num_classes is not None and (not isinstance(num_classes, int) or num_classes < 2):
            raise ConfigError(f"num_classes must be None (binary) or >= 2, got {num_classes!r}")
        self.num_classes, self.num_bins, self.pos_label = num_classes, num_bins, pos_label
        rows = 1 if num_classes is None else num_classes
        # row k: class k against the rest; column j: scores in bin j
        self.positives = torch.zeros(rows, num_bins, dtype=torch.int64)
        self.totals = torch.zeros(rows, num_bins, dtype=torch.int64)

    def update(self, y_true: Tensor, scores: Tensor) -> None:
        y_true = _labels(y_true, scores.shape[0])
        if self.num_classes is None:
            if scores.dim() != 1:
                raise DataError(f"binary curves take scores of shape (n,), got {scores.shape}")
            positive, scores = (y_true == self.pos_label)[:, None], scores[:, None]
        else:
            if scores.dim() != 2 or scores.shape[1] != self.num_classes:
                raise DataError(
                    f"expected (n, {self.num_classes}) probabilities, got {tuple(scores.shape)}"
                )
            if y_true.numel() and (int(y_true.min()) < 0 or int(y_true.max()) >= len(self.totals)):
                raise DataError(f"labels must lie in [0, {self.num_classes - 1}]")
            positive = exact.one_hot(y_true, self.num_classes)
        rows = len(self.totals)
        flat = grid_index(scores, self.num_bins) + torch.arange(rows) * self.num_bins
        size = rows * self.num_bins
        self.totals += torch.bincount(flat.flatten(), minlength=size).view(rows, -1)
        hits = torch.masked_select(flat, positive)
        self.positives += torch.bincount(hits, minlength=size).view(rows, -1)

    def counts(self, row: int | None = None) -> exact.Counts:
        """(fps, tps, thresholds) over the non-empty bins, thresholds descending; row k is
        class k (None: binary, or all classes pooled: the micro average)."""
        positives, totals = (
            (self.positives.sum(0), self.totals.sum(0))
            if row is None
            else (self.positives[row], self.totals[row])
        )
        filled = totals.flip(0) > 0
        if not bool(filled.any()):
            raise DataError("no scores yet: call update(y_true, scores) before computing")
        tps = torch.masked_select(torch.cumsum(positives.flip(0), 0), filled).double()
        seen = torch.masked_select(torch.cumsum(totals.flip(0), 0), filled).double()
        return seen - tps, tps, torch.masked_select(grid_values(self.num_bins).flip(0), filled)

    def precision_recall_curve(self, class_index: int | None = None):
        return exact.pr_from_counts(*self.counts(class_index))

    def roc_curve(self, class_index: int | None = None, drop_intermediate: bool = False):
        return exact.roc_from_counts(*self.counts(class_index), drop_intermediate)

    def _score(self, average: str | None, from_counts, what: str) -> float | Tensor:
        if self.num_classes is None:
            return from_counts(*self.counts())
        exact.check_average(average)
        if average == "micro":
            return from_counts(*self.counts())
        support, total = self.positives.sum(1), int(self.totals[0].sum())
        return exact.average_over_classes(self.counts, support, total, average, from_counts, what)

    def average_precision(self, average: str | None = "macro") -> float | Tensor:
        return self._score(average, exact.ap_from_counts, "average precision")

    def roc_auc(self, average: str | None = "macro") -> float | Tensor:
        return self._score(average, exact.auc_from_counts, "ROC AUC")

    def state_dict(self) -> dict[str, Tensor]:
        return {"positives": self.positives, "totals": self.totals}


class StreamingCalibration:
    """Equal-width confidence bins over batches: `update(y_true, probabilities (n, K))`."""

    def __init__(self, num_bins: int = DEFAULT_CALIBRATION_BINS) -> None:
        self.edges = bin_edges(num_bins)
        self.counts = torch.zeros(num_bins, dtype=torch.int64)
        self.confidence_sums = torch.zeros(num_bins, dtype=torch.float64)
        self.correct_sums = torch.zeros(num_bins, dtype=torch.float64)

    def update(self, y_true: Tensor, probabilities: Tensor) -> None:
        confidence, correct = confidence_and_correct(y_true, probabilities)
        if confidence.numel() and not bool(((confidence >= 0) & (confidence <= 1)).all()):
            raise DataError("probabilities must lie in [0, 1]; apply softmax to logits first")
        index = calibration_bin_index(confidence, self.edges)
        size = len(self.counts)
        self.counts += torch.bincount(index, minlength=size)
        self.confidence_sums += torch.bincount(index, weights=confidence, minlength=size)
        self.correct_sums += torch.bincount(index, weights=correct.double(), minlength=size)

    def compute(self) -> ReliabilityDiagram:
        return diagram_from_sums(
            self.edges, self.counts.clone(), self.confidence_sums, self.correct_sums
        )

    def state_dict(self) -> dict[str, Tensor]:
        return {
            "counts": self.counts,
            "confidence_sums": self.confidence_sums,
            "correct_sums": self.correct_sums,
        }


class StreamingCoverage:
    """Coverage-accuracy over batches: `update(y_true, probabilities, confidence=None)`; the
    confidence (default: the max probability) must lie in [0, 1]."""

    def __init__(self, num_bins: int = DEFAULT_SCORE_BINS) -> None:
        if check_num_bins(num_bins) < 2:
            raise ConfigError(f"num_bins must be >= 2 (the grid's ends 0 and 1), got {num_bins}")
        self.num_bins = num_bins
        self.answered = torch.zeros(num_bins, dtype=torch.int64)
        self.correct = torch.zeros(num_bins, dtype=torch.int64)

    def update(
        self, y_true: Tensor, probabilities: Tensor, confidence: Tensor | None = None
    ) -> None:
        top, correct = confidence_and_correct(y_true, probabilities)
        index = grid_index(top if confidence is None else confidence, self.num_bins)
        if index.shape != correct.shape:
            raise DataError(f"confidence must be (n,) = {tuple(correct.shape)}")
        self.answered += torch.bincount(index, minlength=self.num_bins)
        hits = torch.masked_select(index, correct)
        self.correct += torch.bincount(hits, minlength=self.num_bins)

    def compute(self) -> CoverageCurve:
        # most confident bin first, as the exact curve
        thresholds = grid_values(self.num_bins).flip(0)
        return curve_from_counts(thresholds, self.answered.flip(0), self.correct.flip(0))

    def state_dict(self) -> dict[str, Tensor]:
        return {"answered": self.answered, "correct": self.correct}
