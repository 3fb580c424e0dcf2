"""The classification report: a model's test metrics beside baselines, with figures.

It follows the methodology of Goodfellow, Bengio and Courville (2016, "Deep Learning",
chapter 11): choose metrics beyond accuracy (precision, recall, F-score, PR curves, coverage),
and compare with simple baselines. For (n, K) test probabilities it computes:

- a table "model vs baselines": accuracy, macro precision/recall/F1, macro one-vs-rest ROC AUC
  and average precision, expected calibration error (15 bins), AURC and the accuracy at 90%
  coverage, for the model and each baseline (e.g. those of `practice.baselines`);
- one-vs-rest AUC and AP per class;
- selective prediction: accuracy at coverage 50/80/90/95/100% and the coverage at which the
  accuracy reaches 90/95/99%;
- the data of its figures (`ClassificationCurves`): PR and ROC curves (per class, and pooled
  over classes for each predictor), the reliability diagrams, accuracy vs coverage. Drawing
  them is the report's job (`learnlab.report.classification_section`): metrics sit below the
  report and never import it.

`scalars` holds the model's numbers (no prefix) and each baseline's under
`baseline_<name>_<metric>`; a number that is undefined (AUC with a class absent from y_true)
is left out and explained in `notes`.

Example:
    >>> import torch
    >>> y = torch.tensor([0, 1, 2, 1, 0, 2])
    >>> p = torch.softmax(torch.eye(3)[[0, 1, 2, 2, 0, 2]] * 3, dim=1)
    >>> report = classification_report(y, p)
    >>> round(report.scalars["accuracy"], 4), report.scalars["macro_auc"]
    (0.8333, 0.875)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

from learnlab.io.errors import DataError
from learnlab.metrics import curves, selective
from learnlab.metrics.calibration import (
    DEFAULT_CALIBRATION_BINS,
    ReliabilityDiagram,
    confidence_and_correct,
    reliability_diagram,
)
from learnlab.metrics.scores import precision_recall_fscore

COVERAGES = (0.5, 0.8, 0.9, 0.95, 1.0)
ACCURACY_TARGETS = (0.9, 0.95, 0.99)
MODEL = "model"


@dataclass
class ClassificationCurves:
    """What the report's four figures show: named (x, y) PR curves (recall, precision) and ROC
    curves (false positive rate, true positive rate), per class (`per_class`, drawn thin) and
    pooled for each predictor (`baselines`' pooled curves drawn dashed); the model's
    reliability diagram and the baselines'; each predictor's coverage curve, with the model's
    accuracy at the report's coverages as marks."""

    pr: dict[str, tuple[Tensor, Tensor]]
    roc: dict[str, tuple[Tensor, Tensor]]
    per_class: set[str]
    baselines: set[str]
    diagram: ReliabilityDiagram
    other_diagrams: dict[str, ReliabilityDiagram]
    coverage: dict[str, selective.CoverageCurve]
    marks: dict[str, list[tuple[float, float]]]


@dataclass
class ClassificationReport:
    scalars: dict[str, float]
    tables: dict[str, list[dict[str, Any]]]
    curves: ClassificationCurves | None
    notes: list[str] = field(default_factory=list)


def _percent(fraction: float) -> str:
    return f"{round(100 * fraction):d}"


def check_probabilities(probabilities: Tensor, n: int, what: str) -> Tensor:
    if not isinstance(probabilities, Tensor) or probabilities.dim() != 2:
        raise DataError(f"{what} must be an (n, K) tensor of class probabilities")
    if probabilities.shape[0] != n or probabilities.shape[1] < 2:
        raise DataError(
            f"{what} has shape {tuple(probabilities.shape)}; expected ({n}, K) with K >= 2, "
            "one row per label"
        )
    p = probabilities.detach().to("cpu", torch.float64)
    if not bool(((p >= 0) & (p <= 1)).all()) or not torch.allclose(
        p.sum(dim=1), torch.ones(n, dtype=torch.float64), atol=1e-3
    ):
        raise DataError(
            f"{what} must hold probabilities (rows in [0, 1] summing to 1); apply "
            "torch.softmax(logits, dim=1) first"
        )
    return p


@dataclass
class _Evaluation:
    """Everything computed for one predictor."""

    scalars: dict[str, float]
    diagram: ReliabilityDiagram
    coverage: selective.CoverageCurve
    undefined: str | None


def _evaluate(y_true: Tensor, p: Tensor, num_bins: int) -> _Evaluation:
    k = p.shape[1]
    predicted = p.argmax(dim=1)
    macro = precision_recall_fscore(y_true, predicted, k, average="macro")
    scalars = {
        "accuracy": float((predicted == y_true).double().mean()),
        "macro_precision": macro["precision"],
        "macro_recall": macro["recall"],
        "macro_f1": macro["fscore"],
        "weighted_f1": precision_recall_fscore(y_true, predicted, k, average="weighted")["fscore"],
    }
    undefined = None
    try:
        scalars["macro_auc"] = curves.roc_auc(y_true, p, average="macro")
        scalars["macro_ap"] = curves.average_precision(y_true, p, average="macro")
    except DataError as error:
        undefined = str(error)
    diagram = reliability_diagram(*confidence_and_correct(y_true, p), num_bins)
    curve = selective.coverage_accuracy_curve(y_true, p)
    scalars["ece"] = diagram.ece
    scalars["aurc"] = selective.area_under_risk_coverage(curve)
    for c in COVERAGES:
        scalars[f"accuracy_at_coverage_{_percent(c)}"] = selective.accuracy_at_coverage(curve, c)
    for a in ACCURACY_TARGETS:
        scalars[f"coverage_at_accuracy_{_percent(a)}"] = selective.coverage_at_accuracy(curve, a)
    return _Evaluation(scalars, diagram, curve, undefined)


# The columns of the model-vs-baselines table and the scalars kept for each baseline.
_TABLE_COLUMNS = {
    "accuracy": "accuracy",
    "macro_precision": "macro precision",
    "macro_recall": "macro recall",
    "macro_f1": "macro F1",
    "macro_auc": "macro AUC",
    "macro_ap": "macro AP",
    "ece": "ECE",
    "aurc": "AURC",
    "accuracy_at_coverage_90": "accuracy at 90% coverage",
}
_BASELINE_SCALARS = ("accuracy", "macro_f1", "macro_auc", "ece")


def _per_class_table(y_true: Tensor, p: Tensor, names: list[str]) -> list[dict[str, Any]]:
    support = torch.bincount(y_true, minlength=p.shape[1])
    rows = []
    for k, name in enumerate(names):
        row: dict[str, Any] = {"class": name, "support": int(support[k])}
        positive = y_true == k
        if 0 < int(support[k]) < len(y_true):
            row["ROC AUC"] = curves.roc_auc(positive.long(), p[:, k])
            row["average precision"] = curves.average_precision(positive.long(), p[:, k])
        else:
            row["ROC AUC"] = row["average precision"] = None
        rows.append(row)
    return rows


def _curves(
    y_true: Tensor,
    p: Tensor,
    names: list[str],
    evaluations: dict[str, _Evaluation],
    probs: dict[str, Tensor],
) -> ClassificationCurves:
    onehot = curves.one_hot(y_true, p.shape[1])
    pr: dict[str, tuple[Tensor, Tensor]] = {}
    roc: dict[str, tuple[Tensor, Tensor]] = {}
    per_class: set[str] = set()
    for k, name in enumerate(names):
        if onehot[:, k].any() and not onehot[:, k].all():
            label = f"class {name}"
            counts = curves.threshold_counts(onehot[:, k], p[:, k])
            precision, recall, _ = curves.pr_from_counts(*counts)
            fpr, tpr, _ = curves.roc_from_counts(*counts, drop_intermediate=True)
            pr[label], roc[label] = (recall, precision), (fpr, tpr)
            per_class.add(label)
    for name, q in probs.items():
        # pooled over classes (sklearn's "micro" one-vs-rest): one curve per predictor
        counts = curves.threshold_counts(onehot.flatten(), q.flatten())
        precision, recall, _ = curves.pr_from_counts(*counts)
        fpr, tpr, _ = curves.roc_from_counts(*counts, drop_intermediate=True)
        pr[f"{name}, pooled"], roc[f"{name}, pooled"] = (recall, precision), (fpr, tpr)
    baselines = {f"{name}, pooled" for name in probs if name != MODEL}
    model = evaluations[MODEL]
    marks = [(float(c), model.scalars[f"accuracy_at_coverage_{_percent(c)}"]) for c in COVERAGES]
    others = {name: e.diagram for name, e in evaluations.items() if name != MODEL}
    return ClassificationCurves(
        pr=pr,
        roc=roc,
        per_class=per_class,
        baselines=baselines,
        diagram=model.diagram,
        other_diagrams=others,
        coverage={name: e.coverage for name, e in evaluations.items()},
        marks={MODEL: marks},
    )


def classification_report(
    y_true: Tensor,
    probabilities: Tensor,
    *,
    class_names: list[str] | None = None,
    baselines: dict[str, Tensor] | None = None,
    num_bins: int = DEFAULT_CALIBRATION_BINS,
    with_curves: bool = True,
) -> ClassificationReport:
    """Metrics, tables and the figures' data of (n, K) test probabilities against labels
    y_true, with each baseline's (n, K) probabilities beside the model's. `with_curves=False`
    skips the curves (`curves` is then None)."""
    if not isinstance(y_true, Tensor) or y_true.dim() != 1 or y_true.is_floating_point():
        raise DataError("y_true must be a 1-D tensor of integer class labels")
    y_true = y_true.detach().cpu().to(torch.int64)
    n = len(y_true)
    if n == 0:
        raise DataError("the classification report needs at least one test example")
    p = check_probabilities(probabilities, n, "probabilities")
    k = p.shape[1]
    if int(y_true.min()) < 0 or int(y_true.max()) >= k:
        raise DataError(f"labels must lie in [0, {k - 1}] for {k} probability columns")
    names = [str(c) for c in class_names] if class_names is not None else list(map(str, range(k)))
    if len(names) != k:
        raise DataError(f"class_names has {len(names)} names for {k} classes")
    probs = {MODEL: p}
    for name, q in (baselines or {}).items():
        if name == MODEL:
            raise DataError(f"a baseline may not be called {MODEL!r}")
        probs[name] = check_probabilities(q, n, f"the probabilities of baseline {name!r}")
        if probs[name].shape[1] != k:
            raise DataError(f"baseline {name!r} has {probs[name].shape[1]} classes, not {k}")

    evaluations = {name: _evaluate(y_true, q, num_bins) for name, q in probs.items()}
    model = evaluations[MODEL]
    scalars = dict(model.scalars)
    for name, e in evaluations.items():
        if name != MODEL:
            scalars.update(
                {f"baseline_{name}_{m}": e.scalars[m] for m in _BASELINE_SCALARS if m in e.scalars}
            )
    notes = [f"Macro AUC and AP are left out: {model.undefined}"] if model.undefined else []
    curve = model.coverage
    tables = {
        "Model vs baselines": [
            {"predictor": name, **{title: e.scalars.get(m) for m, title in _TABLE_COLUMNS.items()}}
            for name, e in evaluations.items()
        ],
        "Accuracy at coverage (refusing the least confident)": [
            {
                "coverage asked": f"{_percent(c)}%",
                "model coverage given": selective.coverage_at_least(curve, c),
                **{
                    f"{name} accuracy": e.scalars[f"accuracy_at_coverage_{_percent(c)}"]
                    for name, e in evaluations.items()
                },
            }
            for c in COVERAGES
        ],
        "Coverage at accuracy": [
            {
                "accuracy asked": f"{_percent(a)}%",
                **{
                    f"{name} coverage": e.scalars[f"coverage_at_accuracy_{_percent(a)}"]
                    for name, e in evaluations.items()
                },
            }
            for a in ACCURACY_TARGETS
        ],
        "One-vs-rest scores per class (model)": _per_class_table(y_true, p, names),
    }
    drawn = _curves(y_true, p, names, evaluations, probs) if with_curves else None
    return ClassificationReport(scalars, tables, drawn, notes)
