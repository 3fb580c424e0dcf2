"""Ranking curves of scores: precision-recall, average precision, ROC and its area.

A score ranks the examples; every threshold t between distinct scores predicts "positive" for
the examples scoring >= t. Sorting the scores once (descending, stable) and cumulating the
positives gives, at each distinct score, the true and false positives accepted so far:

    tps_j = positives with score >= t_j,   fps_j = negatives with score >= t_j

Equal scores share one threshold (they are accepted together), which is how scikit-learn
(Pedregosa et al., 2011) handles ties; every function here returns what sklearn's function of
the same name returns. From the counts:

- precision-recall curve: precision = tps / (tps + fps), recall = tps / P (Davis & Goadrich,
  2006, "The Relationship Between Precision-Recall and ROC Curves");
- average precision: sum_j (recall_j - recall_{j-1}) precision_j, the step-function area
  under the PR curve (no interpolation);
- ROC curve: fpr = fps / N against tpr = tps / P, and its area by the trapezoidal rule, which
  equals the probability that a random positive outscores a random negative, ties counting
  one half (Fawcett, 2006, "An introduction to ROC analysis").

Multiclass probabilities (n, K) are scored one-vs-rest: class k against all others, with the
column k as its score, then averaged ("macro": unweighted; "weighted": by support; "micro":
the pooled one-hot problem; None: per class).

Where sklearn returns NaN or an arbitrary convention (only one class in y_true), these
functions raise a `DataError` that says why the number is undefined.

Example:
    >>> import torch
    >>> y = torch.tensor([0, 0, 1, 1])
    >>> s = torch.tensor([0.1, 0.4, 0.35, 0.8])
    >>> roc_auc(y, s)
    0.75
    >>> round(average_precision(y, s), 4)
    0.8333
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from learnlab.io.errors import ConfigError, DataError

CURVE_AVERAGES = ("macro", "weighted", "micro", None)
Counts = tuple[Tensor, Tensor, Tensor]  # (fps, tps, thresholds), thresholds descending


def _check_scores(y_true: Tensor, scores: Tensor) -> tuple[Tensor, Tensor]:
    if not isinstance(y_true, Tensor) or not isinstance(scores, Tensor):
        raise DataError("y_true and scores must be torch Tensors")
    if y_true.dim() != 1 or y_true.is_floating_point() or y_true.is_complex():
        raise DataError(
            f"y_true must be 1-D integer (or bool) class labels, got shape "
            f"{tuple(y_true.shape)} and dtype {y_true.dtype}"
        )
    if scores.dim() not in (1, 2) or scores.shape[0] != y_true.shape[0]:
        raise DataError(
            f"scores must be (n,) for a binary problem or (n, K) class probabilities with n = "
            f"{y_true.shape[0]} labels, got shape {tuple(scores.shape)}"
        )
    if y_true.numel() == 0:
        raise DataError("there are no examples: curves need at least one label and score")
    scores = scores.detach().to("cpu", torch.float64)
    if not bool(torch.isfinite(scores).all()):
        raise DataError("scores hold NaN or infinite values; every score must be finite")
    return y_true.detach().cpu().to(torch.int64), scores


def threshold_counts(positive: Tensor, scores: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(fps, tps, thresholds) at each distinct score, thresholds descending; float64.

    `positive` is a boolean (n,) tensor; `scores` (n,) float64. This is sklearn's
    `confusion_matrix_at_thresholds` without weights.
    """
    # index_select and masked_select, not tensor[index]: advanced indexing took ~10 ms per
    # 10,000 elements on this 2-core machine (threads contending), index_select 0.01 ms
    order = torch.sort(scores, descending=True, stable=True).indices
    sorted_scores = scores.index_select(0, order)
    hits = positive.index_select(0, order).to(torch.float64)
    # the last index of each run of equal scores: ties are accepted together
    last = torch.nonzero(sorted_scores[1:] != sorted_scores[:-1]).flatten()
    last = torch.cat([last, torch.tensor([len(scores) - 1])])
    tps = torch.cumsum(hits, 0).index_select(0, last)
    fps = (last + 1).to(torch.float64) - tps
    return fps, tps, sorted_scores.index_select(0, last)


def one_hot(labels: Tensor, num_classes: int) -> Tensor:
    """(n, K) bool, row i true at column labels[i] (a comparison: F.one_hot was slow here)."""
    return labels[:, None] == torch.arange(num_classes)


def pr_from_counts(fps: Tensor, tps: Tensor, thresholds: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Precision, recall (each ending with the point (recall 0, precision 1)) and increasing
    thresholds, from the counts of `threshold_counts`."""
    if tps[-1] <= 0:
        raise DataError(
            "y_true has no positive example: recall (and so the precision-recall curve and "
            "average precision) is undefined; pass labels that include the positive class"
        )
    accepted = tps + fps
    precision = torch.where(accepted > 0, tps / accepted.clamp(min=1e-300), 0.0)
    recall = tps / tps[-1]
    one, zero = torch.ones(1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)
    return (
        torch.cat([precision.flip(0), one]),
        torch.cat([recall.flip(0), zero]),
        thresholds.flip(0),
    )


def ap_from_counts(fps: Tensor, tps: Tensor, thresholds: Tensor) -> float:
    precision, recall, _ = pr_from_counts(fps, tps, thresholds)
    # recall decreases along the curve; -0.0 from rounding is clipped as in sklearn
    return max(0.0, -float(((recall[1:] - recall[:-1]) * precision[:-1]).sum()))


def roc_from_counts(
    fps: Tensor, tps: Tensor, thresholds: Tensor, drop_intermediate: bool = False
) -> tuple[Tensor, Tensor, Tensor]:
    """False and true positive rates from (0, 0) up, and thresholds starting at +inf."""
    if tps[-1] <= 0 or fps[-1] <= 0:
        missing = "positive" if tps[-1] <= 0 else "negative"
        raise DataError(
            f"y_true has no {missing} example, so the ROC curve and its AUC are undefined: "
            "only one class is present; pass labels of both classes"
        )
    if drop_intermediate and len(fps) > 2:
        # keep the corners: points where the curve changes direction (collinear ones add
        # nothing to the area)
        turns = (fps[2:] - 2 * fps[1:-1] + fps[:-2] != 0) | (
            tps[2:] - 2 * tps[1:-1] + tps[:-2] != 0
        )
        keep = torch.cat([torch.tensor([True]), turns, torch.tensor([True])])
        fps, tps, thresholds = (torch.masked_select(t, keep) for t in (fps, tps, thresholds))
    zero = torch.zeros(1, dtype=torch.float64)
    fps, tps = torch.cat([zero, fps]), torch.cat([zero, tps])
    thresholds = torch.cat([torch.tensor([float("inf")], dtype=torch.float64), thresholds])
    return fps / fps[-1], tps / tps[-1], thresholds


def auc_from_counts(fps: Tensor, tps: Tensor, thresholds: Tensor) -> float:
    fpr, tpr, _ = roc_from_counts(fps, tps, thresholds)
    return float(torch.trapezoid(tpr, fpr))


def _binary(y_true: Tensor, scores: Tensor, pos_label: int, what: str) -> tuple[Tensor, Tensor]:
    y_true, scores = _check_scores(y_true, scores)
    if scores.dim() != 1:
        raise DataError(
            f"{what} takes one score per example (shape (n,)), got {tuple(scores.shape)}; for "
            "class probabilities use average_precision / roc_auc (one-vs-rest), or pass "
            "probabilities[:, k] for class k"
        )
    return y_true == pos_label, scores


def precision_recall_curve(
    y_true: Tensor, scores: Tensor, *, pos_label: int = 1
) -> tuple[Tensor, Tensor, Tensor]:
    """(precision, recall, thresholds) as sklearn's `precision_recall_curve`: thresholds are
    the distinct scores, increasing; precision and recall have one more entry, the final
    point (recall 0, precision 1)."""
    return pr_from_counts(*threshold_counts(*_binary(y_true, scores, pos_label, "the PR curve")))


def roc_curve(
    y_true: Tensor, scores: Tensor, *, pos_label: int = 1, drop_intermediate: bool = False
) -> tuple[Tensor, Tensor, Tensor]:
    """(fpr, tpr, thresholds) as sklearn's `roc_curve`; the first threshold is +inf (nothing
    accepted). `drop_intermediate=True` drops collinear points, as sklearn does by default."""
    counts = threshold_counts(*_binary(y_true, scores, pos_label, "the ROC curve"))
    return roc_from_counts(*counts, drop_intermediate=drop_intermediate)


def average_over_classes(
    class_counts: Callable[[int], Counts],
    support: Tensor,
    total: int,
    average: str | None,
    from_counts: Callable[..., float],
    what: str,
) -> float | Tensor:
    """Per-class scores from each class's one-vs-rest counts, averaged as `average` says
    ("micro" is handled by the caller: it pools the counts). `support[k]` counts class k."""
    undefined = [k for k in range(len(support)) if int(support[k]) in (0, total)]
    if undefined:
        k = undefined[0]
        raise DataError(
            f"the one-vs-rest {what} of class {k} is undefined: y_true holds "
            f"{'no' if int(support[k]) == 0 else 'only'} examples of that class; every class "
            "must have both positive and negative examples (evaluate on a larger or "
            "stratified test set)"
        )
    per_class = torch.tensor(
        [from_counts(*class_counts(k)) for k in range(len(support))], dtype=torch.float64
    )
    if average is None:
        return per_class
    if average == "weighted":
        weights = support.to(torch.float64)
        return float((per_class * weights).sum() / weights.sum())
    return float(per_class.mean())


def _one_vs_rest(
    y_true: Tensor, scores: Tensor, average: str | None, from_counts, what: str
) -> float | Tensor:
    check_average(average)
    num_classes = scores.shape[1]
    if num_classes < 2:
        raise DataError(f"class probabilities need at least 2 columns, got {num_classes}")
    if int(y_true.min()) < 0 or int(y_true.max()) >= num_classes:
        raise DataError(
            f"labels must lie in [0, {num_classes - 1}] for {num_classes} probability "
            f"columns, found values in [{int(y_true.min())}, {int(y_true.max())}]"
        )
    onehot = one_hot(y_true, num_classes)
    if average == "micro":
        return from_counts(*threshold_counts(onehot.flatten(), scores.flatten()))
    return average_over_classes(
        lambda k: threshold_counts(onehot[:, k], scores[:, k]),
        onehot.sum(dim=0),
        len(y_true),
        average,
        from_counts,
        what,
    )


def check_average(average: str | None) -> None:
    if average not in CURVE_AVERAGES:
        raise ConfigError(f"average must be one of {CURVE_AVERAGES}, got {average!r}")


def average_precision(
    y_true: Tensor, scores: Tensor, *, average: str | None = "macro", pos_label: int = 1
) -> float | Tensor:
    """Average precision as sklearn's `average_precision_score`.

    Scores (n,): binary, positives are `y_true == pos_label`. Probabilities (n, K): one-vs-rest
    per class, averaged by `average` ("macro", "weighted", "micro", or None for a tensor).
    """
    y_true, scores = _check_scores(y_true, scores)
    if scores.dim() == 1:
        return ap_from_counts(*threshold_counts(y_true == pos_label, scores))
    return _one_vs_rest(y_true, scores, average, ap_from_counts, "average precision")


def roc_auc(
    y_true: Tensor, scores: Tensor, *, average: str | None = "macro", pos_label: int = 1
) -> float | Tensor:
    """Area under the ROC curve as sklearn's `roc_auc_score` (multi_class="ovr" for (n, K)
    probabilities; labels 0..K-1). Raises DataError where it is undefined (one class only)."""
    y_true, scores = _check_scores(y_true, scores)
    if scores.dim() == 1:
        return auc_from_counts(*threshold_counts(y_true == pos_label, scores))
    return _one_vs_rest(y_true, scores, average, auc_from_counts, "ROC AUC")
