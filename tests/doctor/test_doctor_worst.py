"""The doctor's worst examples: the k largest per-example losses, computed directly as an
oracle; any objective (the generic per-example path agrees with the vectorised one)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from learnlab.doctor.common import per_example_losses
from learnlab.doctor.worst_examples import check_worst_examples
from learnlab.objectives.supervised import CrossEntropy


def _setup():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(36, 5))
    x = torch.randn(300, 1, 6, 6)
    y = torch.randint(0, 5, (300,))
    return model, x, y


def test_the_worst_examples_are_the_largest_cross_entropies():
    model, x, y = _setup()
    result = check_worst_examples(model, CrossEntropy(), x, y, k=10, class_names=list("abcde"))
    with torch.no_grad():
        logits = model(x)
        losses = F.cross_entropy(logits, y, reduction="none")
    expected = torch.topk(losses, 10).indices.tolist()
    rows = result.tables["Worst held-out examples"]
    assert [r["test index"] for r in rows] == expected
    for row in rows:
        i = row["test index"]
        assert abs(row["loss"] - losses[i].item()) < 1e-5
        assert row["true"] == "abcde"[y[i]] and row["predicted"] == "abcde"[logits[i].argmax()]
        assert abs(row["p(true)"] - torch.softmax(logits[i].double(), 0)[y[i]].item()) < 1e-6
    assert result.status == "pass"
    assert result.values["accuracy"] == (logits.argmax(1) == y).float().mean().item()
    assert "Worst held-out examples (true -> predicted, loss)" in result.figures


class PlainCrossEntropy:
    """An objective the doctor does not know: its losses come one example at a time."""

    def __call__(self, model, batch):
        return F.cross_entropy(model(batch[0]), batch[1]), {}


def test_any_objective_gets_per_example_losses():
    model, x, y = _setup()
    known, _ = per_example_losses(CrossEntropy(), model, x[:40], y[:40])
    generic, _ = per_example_losses(PlainCrossEntropy(), model, x[:40], y[:40])
    torch.testing.assert_close(generic, known)


def test_nan_losses_fail():
    model, x, y = _setup()
    x[3, 0, 0, 0] = float("nan")
    result = check_worst_examples(model, CrossEntropy(), x, y)
    assert result.status == "fail" and result.values["non_finite_losses"] == 1
