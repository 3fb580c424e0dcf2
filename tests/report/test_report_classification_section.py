"""The classification section draws the curves that the metrics return as data."""

from __future__ import annotations

import torch

from learnlab.metrics.baselines import majority_probabilities
from learnlab.metrics.classification_report import classification_report
from learnlab.report.classification_section import classification_figures
from learnlab.report.plots import figure_to_png_bytes


def test_the_four_figures_render_from_the_curves() -> None:
    g = torch.Generator().manual_seed(1)
    y = torch.randint(0, 3, (120,), generator=g)
    logits = torch.randn(120, 3, generator=g, dtype=torch.float64)
    logits[torch.arange(120), y] += 1.5
    p = torch.softmax(logits, dim=1)
    report = classification_report(y, p, baselines={"majority": majority_probabilities(y, 120, 3)})
    assert report.curves is not None
    figures = classification_figures(report.curves)
    assert set(figures) == {
        "Precision-recall curves (one-vs-rest)",
        "ROC curves (one-vs-rest)",
        "Reliability diagram",
        "Accuracy vs coverage",
    }
    for figure in figures.values():
        assert figure_to_png_bytes(figure, dpi=40).startswith(b"\x89PNG")


def legend_texts(figure) -> list[str]:
    return [t.get_text() for ax in figure.axes if ax.get_legend() for t in ax.get_legend().texts]


def three_classes() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Inputs, labels and a model's probabilities, 200 examples of 3 classes."""
    g = torch.Generator().manual_seed(2)
    x = torch.randn(200, 4, generator=g)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    logits = torch.randn(200, 3, generator=g, dtype=torch.float64)
    logits[torch.arange(200), y] += 2.0
    return x, y, torch.softmax(logits, dim=1)


def test_every_legend_says_model_for_the_model() -> None:
    """PR, ROC, reliability and coverage figures name the model "model" beside the baselines
    (the reliability diagram once called its bars "accuracy")."""
    _, y, p = three_classes()
    baselines = {"majority class": majority_probabilities(y, 200, 3)}
    report = classification_report(y, p, baselines=baselines)
    assert report.curves is not None
    for title, figure in classification_figures(report.curves).items():
        texts = legend_texts(figure)
        assert any(t == "model" or t.startswith(("model ", "model,")) for t in texts), title
        assert any(t.startswith("majority class") for t in texts), (title, texts)
        assert not any(t.startswith(("accuracy", "test", "ours")) for t in texts), texts


def test_a_runs_figures_and_tables_name_the_baselines_as_people_do(tmp_path) -> None:
    """The stored baselines ("logreg") appear as "logistic regression" on the page."""
    from learnlab import runs
    from learnlab.metrics.baselines import logistic_regression_probabilities
    from learnlab.report.classification_section import run_classification_report
    from learnlab.report.run_files import RunFiles

    x, y, p = three_classes()
    outputs = {
        runs.TEST_LABELS_KEY: y,
        runs.TEST_PROBABILITIES_KEY: p.float(),
        runs.BASELINE_PROBABILITIES_PREFIX + "majority": majority_probabilities(y, 200, 3),
        runs.BASELINE_PROBABILITIES_PREFIX + "logreg": logistic_regression_probabilities(
            x, y, x, 3
        ),
    }
    report = run_classification_report(RunFiles(tmp_path, {}, {}, [], {}, outputs, {}))
    assert report is not None and report.curves is not None
    for title, figure in classification_figures(report.curves).items():
        texts = legend_texts(figure)
        assert any("logistic regression" in t for t in texts), (title, texts)
        assert not any("logreg" in t for t in texts), (title, texts)
    predictors = [row["predictor"] for row in report.tables["Model vs baselines"]]
    assert predictors == ["model", "majority class", "logistic regression"]
