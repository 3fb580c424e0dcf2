"""CellActions: the cross-entropy over the labelled cells only, against torch's per-example
cross-entropy on those cells gathered by hand; accuracy counts the labelled cells only."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from learnlab.objectives.cell_actions import IGNORED, CellActions


def test_loss_and_accuracy_are_those_of_the_labelled_cells():
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 8, 3, 4, generator=generator)
    labels = torch.full((2, 3, 4), IGNORED)
    cells = [(0, 0, 1, 5), (0, 2, 3, 0), (1, 1, 1, 7)]
    for m, r, c, a in cells:
        labels[m, r, c] = a
    labels[1, 1, 1] = int(logits[1, :, 1, 1].argmax())  # one right, the others by chance
    loss, metrics = CellActions()(lambda maps: logits, (torch.zeros(2, 2, 3, 4), labels))
    picked = torch.stack([logits[m, :, r, c] for m, r, c, _ in cells])
    targets = torch.tensor([int(labels[m, r, c]) for m, r, c, _ in cells])
    torch.testing.assert_close(loss, F.cross_entropy(picked, targets))
    expected = float((picked.argmax(1) == targets).float().mean())
    assert abs(float(metrics["accuracy"]) - expected) < 1e-6
