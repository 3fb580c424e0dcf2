"""The classification report: its numbers against scikit-learn, its tables and the data of
its figures (drawn by the report: tests/report/test_report_classification_section.py)."""

from __future__ import annotations

import pytest
import torch
from sklearn import metrics as skm

from learnlab.io.errors import DataError
from learnlab.metrics.baselines import majority_probabilities
from learnlab.metrics.classification_report import classification_report


def predictions(seed: int, n: int = 300, k: int = 4) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, k, (n,), generator=g)
    logits = torch.randn(n, k, generator=g, dtype=torch.float64)
    logits[torch.arange(n), y] += 1.5  # better than chance
    return y, torch.softmax(logits, dim=1)


def test_scalars_match_sklearn_and_baselines_sit_beside_the_model() -> None:
    y, p = predictions(0)
    weak = 0.5 * p + 0.5 / 4  # each column ranks as the model's, less confident
    majority = majority_probabilities(y[:100], len(y), 4)
    report = classification_report(
        y, p, class_names=["a", "b", "c", "d"], baselines={"majority": majority, "weak": weak}
    )
    s, y_np, p_np = report.scalars, y.numpy(), p.numpy()
    predicted = p_np.argmax(axis=1)
    assert s["accuracy"] == pytest.approx(skm.accuracy_score(y_np, predicted), abs=1e-6)
    assert s["macro_f1"] == pytest.approx(skm.f1_score(y_np, predicted, average="macro"), abs=1e-6)
    assert s["macro_auc"] == pytest.approx(
        skm.roc_auc_score(y_np, p_np, multi_class="ovr"), abs=1e-6
    )
    assert s["macro_ap"] == pytest.approx(skm.average_precision_score(y_np, p_np), abs=1e-6)
    assert s["accuracy_at_coverage_100"] == pytest.approx(s["accuracy"])
    assert s["accuracy_at_coverage_50"] >= s["accuracy"]  # refusing the least confident helps
    # informative confidence: the mean risk over coverages is below the risk of answering all
    assert 0 <= s["ece"] <= 1 and 0 < s["aurc"] < 1 - s["accuracy"]
    # baselines: majority predicts one class everywhere; ranking AUC of constant scores is 1/2
    majority_class = int(torch.bincount(y[:100]).argmax())
    assert s["baseline_majority_accuracy"] == pytest.approx(
        float((y == majority_class).double().mean())
    )
    assert s["baseline_majority_macro_auc"] == pytest.approx(0.5)
    assert s["baseline_weak_macro_auc"] == pytest.approx(s["macro_auc"])  # same ranking
    assert s["baseline_weak_ece"] != pytest.approx(s["ece"])

    table = report.tables["Model vs baselines"]
    assert [row["predictor"] for row in table] == ["model", "majority", "weak"]
    assert table[0]["macro AUC"] == s["macro_auc"]
    coverage = report.tables["Accuracy at coverage (refusing the least confident)"]
    assert [row["coverage asked"] for row in coverage] == ["50%", "80%", "90%", "95%", "100%"]
    assert coverage[-1]["model coverage given"] == 1.0
    per_class = report.tables["One-vs-rest scores per class (model)"]
    assert [row["class"] for row in per_class] == ["a", "b", "c", "d"]
    assert per_class[1]["ROC AUC"] == pytest.approx(skm.roc_auc_score(y_np == 1, p_np[:, 1]))
    assert report.notes == []


def test_curves_hold_the_figures_data() -> None:
    y, p = predictions(1, n=120, k=3)
    majority = majority_probabilities(y, 120, 3)
    report = classification_report(y, p, baselines={"majority": majority})
    curves = report.curves
    assert curves is not None
    per_class = {"class 0", "class 1", "class 2"}
    assert curves.per_class == per_class
    assert set(curves.pr) == set(curves.roc) == per_class | {"model, pooled", "majority, pooled"}
    assert curves.baselines == {"majority, pooled"}
    # pooled ROC over classes is sklearn's micro-averaged one-vs-rest curve: AUC by trapezoids
    fpr, tpr = curves.roc["model, pooled"]
    onehot = torch.nn.functional.one_hot(y, 3).numpy()
    micro = skm.roc_auc_score(onehot, p.numpy(), average="micro")
    assert float(torch.trapezoid(tpr, fpr)) == pytest.approx(micro, abs=1e-6)
    assert curves.diagram.ece == pytest.approx(report.scalars["ece"])
    assert set(curves.other_diagrams) == {"majority"} and set(curves.coverage) == {
        "model",
        "majority",
    }
    assert curves.marks["model"][-1] == (1.0, pytest.approx(report.scalars["accuracy"]))


def test_a_class_absent_from_the_labels_leaves_auc_out_with_a_note() -> None:
    y, p = predictions(2, n=60, k=3)
    y = torch.where(y == 2, 0, y)  # class 2 never occurs
    report = classification_report(y, p, with_curves=False)
    assert "macro_auc" not in report.scalars and "macro_ap" not in report.scalars
    assert "class 2" in report.notes[0] and "undefined" in report.notes[0]
    assert report.tables["One-vs-rest scores per class (model)"][2]["ROC AUC"] is None
    assert report.curves is None


def test_bad_inputs_raise_clear_errors() -> None:
    y, p = predictions(3, n=10, k=3)
    with pytest.raises(DataError, match="softmax"):
        classification_report(y, torch.log(p))
    with pytest.raises(DataError, match=r"expected \(10, K\)"):
        classification_report(y, p[:5])
    with pytest.raises(DataError, match="baseline 'x'"):
        classification_report(y, p, baselines={"x": p[:, :2]})
    with pytest.raises(DataError, match="class_names"):
        classification_report(y, p, class_names=["a"])


def test_a_training_run_stores_baselines_and_summarizes_them(tmp_path, monkeypatch) -> None:
    from learnlab import runs
    from learnlab.config import TrainConfig
    from learnlab.pipeline import run_training

    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    config = TrainConfig(
        dataset="digits", model="mlp", model_options={"width": 16}, epochs=1, progress=False
    )
    outcome = run_training(config, run_dir=tmp_path / "run", index=False)
    outputs, _ = runs.load_outputs(outcome.run_dir)
    y = outputs[runs.TEST_LABELS_KEY]
    majority = outputs[runs.BASELINE_PROBABILITIES_PREFIX + "majority"]
    logreg = outputs[runs.BASELINE_PROBABILITIES_PREFIX + "logreg"]
    assert majority.shape == logreg.shape == outputs[runs.TEST_PROBABILITIES_KEY].shape
    summary = runs.read_json(outcome.run_dir / runs.SUMMARY_FILE)
    for key in ("test_ece", "test_macro_auc", "test_accuracy_at_coverage_90"):
        assert 0 <= summary[key] <= 1
    logreg_accuracy = float((logreg.argmax(dim=1) == y).double().mean())
    assert summary["baseline_logreg_accuracy"] == pytest.approx(logreg_accuracy)
    assert summary["baseline_logreg_accuracy"] > 0.9  # a linear model on the 8x8 digits
    assert summary["baseline_majority_accuracy"] < 0.2  # ten balanced classes
    page = (outcome.run_dir / runs.REPORT_FILE).read_text()
    assert '<section id="classification">' in page and "Reliability diagram" in page
