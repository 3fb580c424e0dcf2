"""Calibration: does a confidence of 0.8 mean right 80% of the time?

Expected calibration error with equal-width confidence bins, after Guo, Pleiss, Sun and
Weinberger (2017), "On Calibration of Modern Neural Networks" (following Naeini, Cooper and
Hauskrecht, 2015). The confidence of a prediction is its largest class probability; the
interval [0, 1] is cut into M bins B_m = ((m-1)/M, m/M] (the first also holds 0), and

    acc(B_m)  = fraction of correct predictions in the bin
    conf(B_m) = mean confidence in the bin
    ECE = sum_m |B_m| / n * |acc(B_m) - conf(B_m)|,   MCE = max_m |acc(B_m) - conf(B_m)|

over the non-empty bins. The per-bin (conf, acc) pairs are the reliability diagram. The bins
are those of sklearn's `calibration_curve(strategy="uniform")`: in the binary case, with the
positive-class probability as "confidence" and "label is positive" as "correct", the
non-empty bins' values are exactly sklearn's `prob_pred` and `prob_true`.

Example:
    >>> import torch
    >>> p = torch.tensor([[0.9, 0.1], [0.55, 0.45], [0.25, 0.75]])
    >>> round(expected_calibration_error(torch.tensor([0, 1, 1]), p, num_bins=10), 4)
    0.3
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from learnlab.io.errors import ConfigError, DataError

DEFAULT_CALIBRATION_BINS = 15  # Guo et al.'s choice


@dataclass(frozen=True)
class ReliabilityDiagram:
    """Per-bin calibration of M equal-width bins; empty bins hold NaN confidence/accuracy."""

    edges: Tensor  # (M + 1,) float64, 0 ... 1
    counts: Tensor  # (M,) int64
    mean_confidence: Tensor  # (M,) float64
    accuracy: Tensor  # (M,) float64

    @property
    def gaps(self) -> Tensor:
        """|accuracy - confidence| per bin (NaN where empty)."""
        return (self.accuracy - self.mean_confidence).abs()

    @property
    def ece(self) -> float:
        filled = self.counts > 0
        weights = self.counts[filled].to(torch.float64) / self.counts.sum()
        return float((weights * self.gaps[filled]).sum())

    @property
    def mce(self) -> float:
        filled = self.counts > 0
        return float(self.gaps[filled].max())


def check_num_bins(num_bins: int, name: str = "num_bins") -> int:
    if isinstance(num_bins, bool) or not isinstance(num_bins, int) or num_bins < 1:
        raise ConfigError(f"{name} must be a positive integer (e.g. 15), got {num_bins!r}")
    return num_bins


def bin_edges(num_bins: int) -> Tensor:
    """M + 1 equal-width edges on [0, 1]; numpy's linspace, so that the bins are sklearn's
    to the last bit."""
    import numpy as np

    return torch.from_numpy(np.linspace(0.0, 1.0, check_num_bins(num_bins) + 1))


def calibration_bin_index(confidence: Tensor, edges: Tensor) -> Tensor:
    """The bin of each confidence: m with edges[m] < c <= edges[m + 1] (0 goes to bin 0)."""
    return torch.bucketize(confidence, edges[1:-1], right=False)


def check_probabilities(y_true: Tensor, probabilities: Tensor) -> None:
    """An (n, K) tensor of probabilities and one label per row, or a DataError saying what."""
    if not isinstance(probabilities, Tensor) or probabilities.dim() != 2:
        shape = tuple(getattr(probabilities, "shape", ()))
        raise DataError(f"probabilities must be an (n, K) tensor, got shape {shape}")
    if not isinstance(y_true, Tensor) or y_true.shape != probabilities.shape[:1]:
        raise DataError(
            f"y_true must hold one label per row of probabilities ({probabilities.shape[0]}), "
            f"got shape {tuple(getattr(y_true, 'shape', ()))}"
        )


def confidence_and_correct(y_true: Tensor, probabilities: Tensor) -> tuple[Tensor, Tensor]:
    """Max class probability (float64) and whether the argmax is the label (bool), per example."""
    check_probabilities(y_true, probabilities)
    probabilities = probabilities.detach().to("cpu", torch.float64)
    # argmax + gather: Tensor.max(dim=...) took ~16 ms even on a (40, 3) tensor here
    predicted = probabilities.argmax(dim=1)
    confidence = probabilities.gather(1, predicted[:, None]).squeeze(1)
    return confidence, predicted == y_true.detach().cpu()


def diagram_from_sums(
    edges: Tensor, counts: Tensor, confidence_sums: Tensor, correct_sums: Tensor
) -> ReliabilityDiagram:
    """The diagram from per-bin sums (what a streaming accumulator keeps)."""
    if int(counts.sum()) == 0:
        raise DataError("calibration of zero examples is undefined; pass at least one")
    filled = counts > 0
    denominator = counts.to(torch.float64).clamp(min=1)
    nan = torch.full_like(denominator, float("nan"))
    return ReliabilityDiagram(
        edges=edges,
        counts=counts,
        mean_confidence=torch.where(filled, confidence_sums / denominator, nan),
        accuracy=torch.where(filled, correct_sums / denominator, nan),
    )


def reliability_diagram(
    confidence: Tensor, correct: Tensor, num_bins: int = DEFAULT_CALIBRATION_BINS
) -> ReliabilityDiagram:
    """Bin (confidence in [0, 1], correct) pairs into `num_bins` equal-width bins."""
    if confidence.dim() != 1 or confidence.shape != correct.shape:
        raise DataError(
            f"confidence and correct must be 1-D of one length, got {tuple(confidence.shape)} "
            f"and {tuple(correct.shape)}"
        )
    confidence = confidence.detach().to("cpu", torch.float64)
    if confidence.numel() and not bool(((confidence >= 0) & (confidence <= 1)).all()):
        raise DataError(
            "confidences must lie in [0, 1] (probabilities); apply softmax to logits first"
        )
    edges = bin_edges(num_bins)
    index = calibration_bin_index(confidence, edges)
    hits = correct.detach().cpu().to(torch.float64)
    return diagram_from_sums(
        edges,
        torch.bincount(index, minlength=num_bins),
        torch.bincount(index, weights=confidence, minlength=num_bins),
        torch.bincount(index, weights=hits, minlength=num_bins),
    )


def expected_calibration_error(
    y_true: Tensor, probabilities: Tensor, num_bins: int = DEFAULT_CALIBRATION_BINS
) -> float:
    """ECE of (n, K) class probabilities with `num_bins` equal-width confidence bins."""
    return reliability_diagram(*confidence_and_correct(y_true, probabilities), num_bins).ece
