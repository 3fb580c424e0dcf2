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
