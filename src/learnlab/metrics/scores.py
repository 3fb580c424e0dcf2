"""Classification metrics from a confusion matrix.

The conventions are scikit-learn's (Pedregosa et al., 2011, "Scikit-learn: Machine Learning in
Python"): the confusion matrix C has rows = true class, columns = predicted class, so
C[i, j] counts examples of class i predicted as j. From it, per class k:

    tp = C[k, k], support = sum_j C[k, j] (row), predicted = sum_i C[i, k] (column)
    precision = tp / predicted, recall = tp / support, F1 = 2 tp / (support + predicted)

and a score whose denominator is zero is 0 (sklearn's `zero_division=0`). Macro scores are the
unweighted means over all classes, including classes absent from both labels and predictions.

The matrix is built with one `torch.bincount` over `true * K + pred`; nothing loops over samples.

Example:
    >>> import torch
    >>> c = confusion_matrix(torch.tensor([0, 1, 1]), torch.tensor([0, 1, 0]), num_classes=2)
    >>> c.tolist()
    [[1, 0], [1, 1]]
    >>> round(macro_scores(c)["macro_f1"], 4)
    0.6667
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from learnlab.io.errors import ConfigError, DataError


def _check_labels(y_true: Tensor, y_pred: Tensor) -> None:
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if not isinstance(y, Tensor):
            raise DataError(f"{name} must be a torch.Tensor of class indices, got {type(y)!r}")
        if y.dim() != 1:
            raise DataError(
                f"{name} must be 1-D (one class index per example), got shape {tuple(y.shape)}; "
                "for logits pass logits.argmax(dim=1)"
            )
        if y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
            raise DataError(f"{name} must hold integer class indices, got dtype {y.dtype}")
    if y_true.shape != y_pred.shape:
        raise DataError(
            f"y_true has {y_true.numel()} labels but y_pred has {y_pred.numel()}; "
            "pass one prediction per example"
        )


def confusion_matrix(y_true: Tensor, y_pred: Tensor, num_classes: int) -> Tensor:
    """Counts C[i, j] of examples of true class i predicted as class j; int64 (K, K)."""
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ConfigError(f"num_classes must be a positive integer, got {num_classes!r}")
    _check_labels(y_true, y_pred)
    y_true = y_true.to(torch.int64)
    y_pred = y_pred.to(y_true.device, torch.int64)
    if y_true.numel():
        low = int(torch.minimum(y_true.min(), y_pred.min()))
        high = int(torch.maximum(y_true.max(), y_pred.max()))
        if low < 0 or high >= num_classes:
            raise DataError(
                f"labels must lie in [0, {num_classes - 1}] for num_classes={num_classes}, "
                f"found values in [{low}, {high}]; check num_classes or the label encoding"
            )
    flat = torch.bincount(y_true * num_classes + y_pred, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes)


def accuracy(y_true: Tensor, y_pred: Tensor) -> float:
    """Fraction of examples whose prediction equals the label, in [0, 1]."""
    _check_labels(y_true, y_pred)
    if y_true.numel() == 0:
        raise DataError("accuracy of zero examples is undefined; pass at least one label")
    return (y_true == y_pred.to(y_true.device)).double().mean().item()


def _check_confusion(confusion: Tensor) -> Tensor:
    confusion = torch.as_tensor(confusion)
    if confusion.dim() != 2 or confusion.shape[0] != confusion.shape[1]:
        raise DataError(
            f"confusion must be a square (K, K) matrix, got shape {tuple(confusion.shape)}; "
            "build it with confusion_matrix(y_true, y_pred, num_classes)"
        )
    if confusion.numel() and bool((confusion < 0).any()):
        raise DataError("confusion holds negative counts; it must count examples")
    return confusion.to(torch.float64)


def _safe_divide(numerator: Tensor, denominator: Tensor) -> Tensor:
    # sklearn's zero_division=0: a score with an empty denominator is 0, not NaN.
    return torch.where(denominator > 0, numerator / denominator.clamp(min=1e-300), 0.0)


def per_class_scores(confusion: Tensor) -> dict[str, Tensor]:
    """Precision, recall, F1 (float64) and support (int64) of each class, indexed by class."""
    c = _check_confusion(confusion)
    tp = c.diagonal()
    support = c.sum(dim=1)
    predicted = c.sum(dim=0)
    return {
        "precision": _safe_divide(tp, predicted),
        "recall": _safe_divide(tp, support),
        # 2 tp / (2 tp + fp + fn) equals the harmonic mean of precision and recall where both
        # are defined, and stays defined (0) when a class is never predicted.
        "f1": _safe_divide(2 * tp, support + predicted),
        "support": support.round().to(torch.int64),
    }


def macro_scores(confusion: Tensor) -> dict[str, float]:
    """Unweighted means of the per-class precision, recall and F1 over all K classes."""
    scores = per_class_scores(confusion)
    if scores["f1"].numel() == 0:
        raise DataError("confusion has zero classes; macro scores need at least one")
    return {f"macro_{name}": scores[name].mean().item() for name in ("precision", "recall", "f1")}


AVERAGES = ("binary", "macro", "micro", "weighted", None)


def _f_beta(tp: Tensor, support: Tensor, predicted: Tensor, beta: float) -> Tensor:
    if math.isinf(beta):  # all weight on recall
        return _safe_divide(tp, support)
    beta2 = beta * beta
    # (1 + b^2) tp / (b^2 (tp + fn) + (tp + fp)): sklearn's form, defined when a class is
    # never predicted (it is 0 there, not NaN).
    return _safe_divide((1 + beta2) * tp, beta2 * support + predicted)


def precision_recall_fscore(
    y_true: Tensor,
    y_pred: Tensor,
    num_classes: int,
    *,
    beta: float = 1.0,
    average: str | None = "binary",
    pos_label: int = 1,
) -> dict[str, float] | dict[str, Tensor]:
    """Precision, recall and F-beta of labels, as sklearn's `precision_recall_fscore_support`
    with `labels=range(num_classes)` and `zero_division=0`.

    F-beta = (1 + beta^2) tp / (beta^2 (tp + fn) + tp + fp) weighs recall beta times as much as
    precision (van Rijsbergen, 1979, "Information Retrieval"). `average`:

    - "binary" (two classes): the scores of class `pos_label`;
    - "macro": unweighted mean over the K classes; "weighted": mean weighted by support;
    - "micro": from the pooled counts (equal to the accuracy when every label is in range);
    - None: per-class tensors, plus "support" (int64).

    Averaged results are floats under keys "precision", "recall", "fscore".
    """
    if average not in AVERAGES:
        raise ConfigError(f"average must be one of {AVERAGES}, got {average!r}")
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not beta >= 0:
        raise ConfigError(f"beta must be a number >= 0 (1 for F1), got {beta!r}")
    c = confusion_matrix(y_true, y_pred, num_classes).to(torch.float64)
    tp, support, predicted = c.diagonal(), c.sum(dim=1), c.sum(dim=0)
    if average == "micro":
        tp, support, predicted = tp.sum(), support.sum(), predicted.sum()
    precision = _safe_divide(tp, predicted)
    recall = _safe_divide(tp, support)
    fscore = _f_beta(tp, support, predicted, float(beta))
    scores = {"precision": precision, "recall": recall, "fscore": fscore}
    if average is None:
        return {**scores, "support": support.round().to(torch.int64)}
    if average == "binary":
        if num_classes != 2 or pos_label not in (0, 1):
            raise ConfigError(
                f"average='binary' needs num_classes=2 and pos_label 0 or 1, got "
                f"num_classes={num_classes}, pos_label={pos_label!r}; for more classes use "
                "average='macro', 'micro', 'weighted' or None"
            )
        return {name: value[pos_label].item() for name, value in scores.items()}
    if average == "weighted":
        total = support.sum()
        if total == 0:
            return {name: 0.0 for name in scores}
        return {name: (value * support).sum().div(total).item() for name, value in scores.items()}
    return {name: value.mean().item() for name, value in scores.items()}
