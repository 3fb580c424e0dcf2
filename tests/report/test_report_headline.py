"""The report opens with the answer: the test accuracy and loss and the verdict against the
baselines, said plainly when a baseline wins (an under-trained MLP on the 8x8 digits, which
logistic regression beats), with the paired counts and McNemar's exact test from the stored
predictions (checked against the binomial sum written out)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
import torch

from learnlab import runs
from learnlab.report.headline import PairedCounts, compare_with_baselines, headline_section
from learnlab.report.run_files import RunFiles


@pytest.fixture(scope="module")
def weak_run(tmp_path_factory) -> Path:
    """An MLP 8 units wide after 2 epochs on digits (about 15%; logistic regression 96.39%)."""
    from learnlab.config import TrainConfig
    from learnlab.pipeline import run_training

    root = tmp_path_factory.mktemp("runs")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LEARNLAB_RUNS", str(root / "runs"))
        config = TrainConfig(
            dataset="digits", model="mlp", model_options={"width": 8}, epochs=2, progress=False
        )
        return run_training(config, run_dir=root / "run").run_dir


def mcnemar_exact(b: int, c: int) -> float:
    """The oracle: two-sided exact McNemar p-value, the binomial tail written out."""
    n, k = b + c, min(b, c)
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2**n)


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).replace("&#x27;", "'")


def test_a_baseline_that_beats_the_model_is_named_first_on_the_page(weak_run):
    page = (weak_run / runs.REPORT_FILE).read_text()
    summary = json.loads((weak_run / runs.SUMMARY_FILE).read_text())
    model, logreg = summary["test_accuracy"], summary["baseline_logreg_accuracy"]
    assert logreg > model + 0.2  # the case this test is about
    # the headline is the page's first section, right under the title
    first = page.index("<section")
    assert page[first:].startswith('<section id="headline"><h2>Result</h2>')
    headline = page[first : page.index('<section id="curves">')]
    verdict = re.search(r'<p class="verdict worse">(.*?)</p>', headline)
    assert verdict is not None
    gap = round(100 * logreg, 2) - round(100 * model, 2)
    expected = (
        f"Logistic regression ({100 * logreg:.2f}%) beats this model ({100 * model:.2f}%) "
        f"by {gap:.2f} points."
    )
    assert text_of(verdict.group(1)).startswith(expected)
    # the paired counts, from the stored predictions
    tensors, _ = runs.load_outputs(weak_run)
    labels = tensors[runs.TEST_LABELS_KEY]
    model_right = tensors[runs.TEST_PROBABILITIES_KEY].argmax(dim=1) == labels
    logreg_right = tensors[runs.BASELINE_PROBABILITIES_PREFIX + "logreg"].argmax(dim=1) == labels
    only_logreg = int((logreg_right & ~model_right).sum())
    only_model = int((model_right & ~logreg_right).sum())
    p = mcnemar_exact(only_logreg, only_model)
    assert (
        f"Of the 360 test examples, {only_logreg} are right only for logistic regression and "
        f"{only_model} only for the model (McNemar's exact test: p = {p:.2g}, unlikely to be "
        "chance)."
    ) in text_of(verdict.group(1))
    assert "does not earn its complexity" in verdict.group(1)
    # the majority class, which the model does beat, comes after, in a paragraph of its own
    majority = summary["baseline_majority_accuracy"]
    better = re.search(r'<p class="verdict better">(.*?)</p>', headline)
    assert better is not None and f"beats majority class ({100 * majority:.2f}%)" in better[1]
    assert "trivial" not in page  # no baseline is called trivial on a page it may win


@pytest.mark.parametrize(
    "model, baselines, expected",
    [
        (
            0.98,
            {"majority": 0.1, "logreg": 0.9639},
            [
                (
                    "better",
                    "This model (98.00%) beats logistic regression (96.39%) by 1.61 points and "
                    "majority class (10.00%) by 88.00 points.",
                )
            ],
        ),
        (
            0.9444,
            {"logreg": 0.9639},
            [
                ("worse", "Logistic regression (96.39%) beats this model (94.44%) by 1.95 points."),
                ("worse", None),  # the advice: what to do (its text is checked above)
            ],
        ),
        (0.1, {"majority": 0.1}, [("tie", "This model and majority class tie at 10.00%.")]),
    ],
)
def test_verdict_sentences(model, baselines, expected):
    sentences = compare_with_baselines(model, baselines)
    assert [kind for kind, _ in sentences] == [kind for kind, _ in expected]
    for (_, text), (_, wanted) in zip(sentences, expected, strict=True):
        if wanted is not None:
            assert text == wanted


@pytest.mark.parametrize("b, c", [(12, 5), (0, 0), (30, 2), (7, 7), (0, 9)])
def test_mcnemar_p_value_is_the_exact_binomial_tail(b, c):
    assert PairedCounts(b, c).p_value == pytest.approx(mcnemar_exact(b, c), rel=1e-9)


def run_files(summary: dict, task: str | None, outputs: dict | None = None) -> RunFiles:
    return RunFiles(
        run_dir=Path("."),
        config={},
        summary=summary,
        history=[],
        model_info={"task": task} if task else {},
        outputs=outputs or {},
        report_info={},
    )


def test_regression_runs_and_recipes_get_the_headline_that_fits_them():
    section = headline_section(
        run_files({"test_loss": 0.012345, "epochs_completed": 4}, "regression")
    )
    assert section is not None
    text = text_of(section.body)
    assert text.startswith("Test loss (mean squared error) 0.01235, after 4 epochs.")
    assert "No baseline is fitted for a regression task." in text
    # a classification run trained without baselines says that nothing was compared
    labels = torch.tensor([0, 1, 1])
    plain = headline_section(
        run_files(
            {"test_accuracy": 2 / 3, "test_loss": 0.5},
            "classification",
            {runs.TEST_LABELS_KEY: labels},
        )
    )
    assert plain is not None
    assert text_of(plain.body).startswith(
        "Test accuracy 66.67% and test loss 0.5 on the 3 test examples."
    )
    assert "No baseline was fitted for this run" in plain.body
    # a recipe's summary without test metrics: its notes carry its answer, no headline
    assert headline_section(run_files({"fit_a": 1.0, "sizes": [1, 2]}, None)) is None
