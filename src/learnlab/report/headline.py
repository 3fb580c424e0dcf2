"""The report's first section: the answer. The test accuracy and loss, and whether the model
does better than the baselines fitted beside it, said plainly, above everything else.

A model that a baseline beats has not earned its place yet, however good its accuracy looks
alone (on `digits`, logistic regression on the raw pixels reaches 96.39%). So the verdict
names the baseline that wins first, with the size of the gap in percentage points and, from
the stored test predictions, how many test examples only one of the two gets right, with
McNemar's exact test on those pairs (McNemar, 1947, "Note on the sampling error of the
difference between correlated proportions or percentages"): whether a gap this size could
be chance on this test set. The numbers come from summary.json (the model's and each
baseline's `..._accuracy`), so the page, the summary and the run index agree.

Example:
    >>> for kind, text in compare_with_baselines(0.9444, {"logreg": 0.9639, "majority": 0.1}):
    ...     print(kind, text[:75])
    worse Logistic regression (96.39%) beats this model (94.44%) by 1.95 points.
    worse Until it beats the baseline, this model does not earn its complexity: train
    better This model (94.44%) beats majority class (10.00%) by 84.44 points.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from learnlab import runs
from learnlab.formatting import format_metric, format_number

if TYPE_CHECKING:
    from learnlab.report.html import Section
    from learnlab.report.run_files import RunFiles

_PREFIX, _SUFFIX = "baseline_", "_accuracy"
SIGNIFICANCE = 0.05
_ADVICE = (
    "Until it beats the baseline, this model does not earn its complexity: train it longer, "
    "tune the learning rate, or choose a model suited to the data, and compare again."
)


@dataclass(frozen=True)
class PairedCounts:
    """On the same test examples: how many only the baseline gets right, and only the model."""

    only_baseline: int
    only_model: int

    @property
    def p_value(self) -> float:
        """McNemar's exact test: two-sided binomial test of the discordant pairs at 1/2."""
        from scipy.stats import binomtest

        n = self.only_baseline + self.only_model
        return 1.0 if n == 0 else float(binomtest(self.only_baseline, n, 0.5).pvalue)

    def sentence(self, baseline: str, total: int) -> str:
        chance = (
            "unlikely to be chance"
            if self.p_value < SIGNIFICANCE
            else "so the gap could be chance on this test set"
        )
        return (
            f"Of the {format_number(total)} test examples, {self.only_baseline} are right only "
            f"for {baseline} and {self.only_model} only for the model (McNemar's exact test: "
            f"p = {self.p_value:.2g}, {chance})."
        )


def readable_name(baseline: str) -> str:
    from learnlab.metrics.baselines import BASELINE_NAMES

    return BASELINE_NAMES.get(baseline, baseline)


def _pct(value: float) -> str:
    return format_metric("accuracy", value)


def _points(better: float, worse: float) -> str:
    # the difference of the percentages as shown, so that the sentence adds up
    return f"{round(100 * better, 2) - round(100 * worse, 2):.2f}"


def compare_with_baselines(
    model: float,
    baselines: dict[str, float],
    paired: dict[str, PairedCounts] | None = None,
    total: int = 0,
) -> list[tuple[str, str]]:
    """(kind, sentence) comparing the model's test accuracy with each baseline's, kind
    "worse", "tie" or "better": the baselines that beat the model first (best first, then
    what to do about it), then ties, then the baselines the model beats."""
    paired = paired or {}
    ordered = sorted(baselines.items(), key=lambda item: -item[1])
    sentences = []
    winners = [(name, acc) for name, acc in ordered if acc > model]
    for name, acc in winners:
        readable = readable_name(name)
        sentence = (
            f"{readable[0].upper()}{readable[1:]} ({_pct(acc)}) beats this model "
            f"({_pct(model)}) by {_points(acc, model)} points."
        )
        if name in paired:
            sentence += " " + paired[name].sentence(readable, total)
        sentences.append(("worse", sentence))
    if winners:
        sentences.append(("worse", _ADVICE))
    for name, acc in ordered:
        if acc == model:
            sentences.append(("tie", f"This model and {readable_name(name)} tie at {_pct(acc)}."))
    beaten = [
        f"{readable_name(name)} ({_pct(acc)}) by {_points(model, acc)} points"
        for name, acc in ordered
        if acc < model
    ]
    if beaten:
        sentences.append(("better", f"This model ({_pct(model)}) beats {' and '.join(beaten)}."))
    return sentences


def _baseline_accuracies(summary: dict[str, Any]) -> dict[str, float]:
    return {
        key[len(_PREFIX) : -len(_SUFFIX)]: float(value)
        for key, value in summary.items()
        if key.startswith(_PREFIX) and key.endswith(_SUFFIX) and isinstance(value, (int, float))
    }


def _paired_counts(run: RunFiles, names: list[str]) -> dict[str, PairedCounts]:
    """Discordant pairs of the model and each baseline, from the stored test predictions."""
    labels = run.outputs.get(runs.TEST_LABELS_KEY)
    probabilities = run.outputs.get(runs.TEST_PROBABILITIES_KEY)
    if labels is None or probabilities is None:
        return {}
    model_right = probabilities.argmax(dim=1) == labels
    counts = {}
    for name in names:
        baseline = run.outputs.get(runs.BASELINE_PROBABILITIES_PREFIX + name)
        if baseline is not None and baseline.shape == probabilities.shape:
            right = baseline.argmax(dim=1) == labels
            counts[name] = PairedCounts(
                int((right & ~model_right).sum()), int((model_right & ~right).sum())
            )
    return counts


def _answer(run: RunFiles) -> str:
    """The first line: the test metrics, on how many examples, after how much training."""
    summary = run.summary
    parts = []
    if "test_accuracy" in summary:
        parts.append(f"test accuracy <strong>{_pct(summary['test_accuracy'])}</strong>")
    if "test_loss" in summary:
        regression = run.model_info.get("task") == "regression"
        loss = "test loss (mean squared error)" if regression else "test loss"
        parts.append(f"{loss} <strong>{format_metric('test_loss', summary['test_loss'])}</strong>")
    text = " and ".join(parts)
    text = text[0].upper() + text[1:]
    labels = run.outputs.get(runs.TEST_LABELS_KEY)
    if labels is not None:
        text += f" on the {format_number(len(labels))} test examples"
    epochs = summary.get("epochs_completed")
    if isinstance(epochs, int):
        text += f", after {epochs} epoch{'s' if epochs != 1 else ''}"
        if isinstance(summary.get("train_seconds"), (int, float)):
            text += f" ({format_metric('train_seconds', summary['train_seconds'])} of training)"
    return f'<p class="answer">{text}.</p>'


def headline_section(run: RunFiles) -> Section | None:
    """The section, or None for a run without test metrics (most recipes: their notes, at
    the top of the page, carry their answer)."""
    from learnlab.report.html import Section
    from learnlab.report.regression_section import regression_verdict

    summary = run.summary
    if "test_accuracy" not in summary and "test_loss" not in summary:
        return None
    body = [_answer(run)]
    baselines = _baseline_accuracies(summary)
    if "test_accuracy" in summary and baselines:
        model = float(summary["test_accuracy"])
        labels = run.outputs.get(runs.TEST_LABELS_KEY)
        total = len(labels) if labels is not None else 0
        sentences = compare_with_baselines(
            model, baselines, _paired_counts(run, list(baselines)), total
        )
        for kind in ("worse", "tie", "better"):  # one paragraph each, the bad news first
            text = " ".join(html.escape(s) for k, s in sentences if k == kind)
            if text:
                body.append(f'<p class="verdict {kind}">{text}</p>')
    elif "test_accuracy" in summary:
        body.append(
            "<p>No baseline was fitted for this run (baselines = false): nothing here says "
            "whether a majority-class guess or a linear model would do as well.</p>"
        )
    elif (verdict := regression_verdict(summary)) is not None:
        kind = "worse" if "beats this model" in verdict else "better"
        body.append(f'<p class="verdict {kind}">{html.escape(verdict)}</p>')
    else:
        task = html.escape(str(run.model_info.get("task", "this")))
        body.append(f"<p>No baseline is fitted for a {task} task.</p>")
    return Section("headline", "Result", "".join(body))
