"""The cascade: the recall threshold against a brute force over every candidate, the two-stage
decision rule on a tiny example (the expensive stage sees only what the cheap one passes), and
the threshold sweep against a loop."""

from __future__ import annotations

import pytest
import torch

from learnlab.io.errors import ConfigError, DataError
from learnlab.metrics.cascade import Cascade, sweep_thresholds, threshold_for_recall


def _recall(scores: torch.Tensor, labels: torch.Tensor, t: float) -> float:
    positives = labels == 1
    return float(((scores >= t) & positives).sum()) / float(positives.sum())


def _brute_force(scores: torch.Tensor, labels: torch.Tensor, target: float) -> float:
    """The largest candidate threshold (every score value) whose recall reaches the target."""
    ok = [float(t) for t in scores.unique() if _recall(scores, labels, float(t)) >= target - 1e-12]
    return max(ok)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("target", [0.5, 0.9, 0.99, 1.0, 1 / 3])
def test_threshold_for_recall_is_the_brute_force_optimum(seed, target):
    g = torch.Generator().manual_seed(seed)
    n = int(torch.randint(5, 60, (1,), generator=g))
    # rounded scores make ties, which the rule must handle
    scores = (torch.rand(n, generator=g, dtype=torch.float64) * 20).round() / 20
    labels = (torch.rand(n, generator=g) < 0.3).to(torch.int64)
    labels[0] = 1
    t = threshold_for_recall(scores, labels, target)
    assert t == _brute_force(scores, labels, target)
    assert _recall(scores, labels, t) >= target - 1e-12
    higher = scores[scores > t]
    if higher.numel():  # any larger threshold loses the target
        assert _recall(scores, labels, float(higher.min())) < target


def test_target_recall_of_99_percent_of_100_positives_keeps_99():
    scores = torch.arange(100, dtype=torch.float64)
    labels = torch.ones(100, dtype=torch.int64)
    assert threshold_for_recall(scores, labels, 0.99) == 1.0  # drops only the lowest positive


def test_bad_inputs_are_refused():
    scores, labels = torch.rand(4), torch.tensor([0, 1, 0, 1])
    with pytest.raises(ConfigError, match="target_recall"):
        threshold_for_recall(scores, labels, 0.0)
    with pytest.raises(DataError, match="no positive"):
        threshold_for_recall(scores, torch.zeros(4, dtype=torch.int64), 0.9)
    with pytest.raises(DataError, match="equal length"):
        threshold_for_recall(scores, labels[:3], 0.9)


def test_cascade_runs_the_expensive_stage_on_what_passes_only():
    x = torch.tensor([[0.9, 0.2], [0.1, 0.9], [0.6, 0.8], [0.7, 0.1], [0.3, 0.3]])
    seen = []

    def cheap(batch):
        return batch[:, 0]

    def expensive(batch):
        seen.append(batch.clone())
        return batch[:, 1]

    out = Cascade(cheap, expensive, cheap_threshold=0.5, expensive_threshold=0.5).predict(x)
    # passes: rows 0, 2, 3 (cheap >= 0.5); of those, the expensive score >= 0.5 only for row 2
    assert out.passed.tolist() == [True, False, True, True, False]
    assert len(seen) == 1 and torch.equal(seen[0], x[[0, 2, 3]])
    assert out.prediction.tolist() == [0, 0, 1, 0, 0]
    assert out.expensive_fraction == pytest.approx(0.6)
    # row 1 would be a positive for the expensive stage, but the cheap one rejected it
    none_pass = Cascade(cheap, expensive, cheap_threshold=0.95).predict(x)
    assert none_pass.prediction.tolist() == [0] * 5 and len(seen) == 1


def test_sweep_matches_a_loop_over_thresholds():
    g = torch.Generator().manual_seed(3)
    cheap = torch.rand(40, generator=g, dtype=torch.float64)
    expensive_positive = torch.rand(40, generator=g) < 0.5
    labels = (torch.rand(40, generator=g) < 0.4).to(torch.int64)
    thresholds = torch.tensor([0.0, 0.2, 0.5, 0.9, 1.1], dtype=torch.float64)
    sweep = sweep_thresholds(cheap, expensive_positive, labels, thresholds)
    positives = labels == 1
    for i, t in enumerate(thresholds.tolist()):
        passed = cheap >= t
        assert float(sweep["fraction_to_expensive"][i]) == pytest.approx(
            float(passed.double().mean())
        )
        assert float(sweep["cheap_recall"][i]) == pytest.approx(_recall(cheap, labels, t))
        both = (passed & positives & expensive_positive).sum() / positives.sum()
        assert float(sweep["cascade_recall"][i]) == pytest.approx(float(both))
