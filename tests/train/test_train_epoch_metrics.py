"""Epoch means of per-batch metrics: both forms against numpy/sklearn, packing, bad shapes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import accuracy_score

from learnlab.data.loader import TensorLoader
from learnlab.objectives.supervised import CrossEntropy
from learnlab.train.epoch_metrics import (
    PerExample,
    epoch_mean,
    pack_batch_values,
    unpack_batch_values,
)
from learnlab.train.events import Callback
from learnlab.train.trainer import Trainer


def ragged_batches(seed=0, sizes=(16, 16, 5)):
    g = torch.Generator().manual_seed(seed)
    correct = [torch.rand(n, generator=g) > 0.4 for n in sizes]
    losses = [torch.rand(n, generator=g, dtype=torch.float64) for n in sizes]
    return list(sizes), correct, losses


def test_both_forms_give_the_mean_over_examples():
    sizes, correct, losses = ragged_batches()
    want_accuracy = np.concatenate([c.numpy() for c in correct]).mean()
    want_loss = np.concatenate([v.numpy() for v in losses]).mean()
    assert epoch_mean("accuracy", correct, sizes) == pytest.approx(want_accuracy, abs=1e-15)
    batch_means = [c.float().mean() for c in correct]
    assert epoch_mean("accuracy", batch_means, sizes) == pytest.approx(want_accuracy, rel=1e-7)
    assert epoch_mean("loss", [v.mean() for v in losses], sizes) == pytest.approx(want_loss)
    # a mean over batches, unweighted, would differ: the test can tell the two apart
    assert abs(float(torch.stack(batch_means).mean()) - want_accuracy) > 1e-3
    mixed = [batch_means[0], correct[1], batch_means[2]]
    assert epoch_mean("accuracy", mixed, sizes) == pytest.approx(want_accuracy, rel=1e-7)


@pytest.mark.parametrize("form", ["per_example", "batch_means"])
def test_pack_and_unpack_round_trip(form):
    sizes, correct, _ = ragged_batches()
    values = correct if form == "per_example" else [c.float().mean() for c in correct]
    packed = pack_batch_values(values)
    assert packed["form"] == form
    back = unpack_batch_values(packed, sizes)
    assert all(torch.equal(a, b) for a, b in zip(values, back, strict=True))


def test_a_metric_of_the_wrong_shape_is_named():
    with pytest.raises(ValueError, match=r"metric 'iou' has shape \(3, 2\).*shape \(3,\)"):
        epoch_mean("iou", [torch.zeros(3, 2)], [3])
    with pytest.raises(ValueError, match="changed form"):
        pack_batch_values([torch.tensor(1.0), torch.ones(2)])


def test_trainer_train_accuracy_equals_sklearn_on_the_predictions_it_trained_on():
    """The epoch's train accuracy is the accuracy of each batch's predictions at its step."""

    class Predictions(Callback):
        def __init__(self):
            self.y, self.pred = [], []

        def after_loss(self, trainer):
            with torch.no_grad():
                self.pred.append(trainer.model(trainer.batch[0]).argmax(1))
            self.y.append(trainer.batch[1])

    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(37, 4, generator=g), torch.randint(0, 3, (37,), generator=g)
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 3)
    record = Predictions()
    trainer = Trainer(
        model, CrossEntropy(), torch.optim.SGD(model.parameters(), lr=0.5), callbacks=[record]
    )
    history = trainer.fit(TensorLoader(x, y, batch_size=16, seed=0), epochs=1)
    want = accuracy_score(torch.cat(record.y).numpy(), torch.cat(record.pred).numpy())
    assert history[0]["train_accuracy"] == pytest.approx(want, abs=1e-15)
    assert 0 < want < 1


def test_per_example_metrics_computed_once_equal_the_eager_forms():
    sizes, correct, _ = ragged_batches()
    g = torch.Generator().manual_seed(3)
    labels = [torch.randint(0, 4, (n,), generator=g) for n in sizes]
    logits = [torch.randn(n, 4, generator=g) for n in sizes]
    calls = []

    def top1(z, y):
        calls.append(len(y))
        return z.argmax(1) == y

    deferred = [PerExample(top1, z, y) for z, y in zip(logits, labels, strict=True)]
    eager = [z.argmax(1) == y for z, y in zip(logits, labels, strict=True)]
    assert epoch_mean("accuracy", deferred, sizes) == epoch_mean("accuracy", eager, sizes)
    assert calls == [sum(sizes)]  # one call for the whole epoch
    # a resumed epoch mixes restored per-example tensors with new PerExample batches
    restored = unpack_batch_values(pack_batch_values(deferred[:2]), sizes[:2])
    mixed = [*restored, deferred[2]]
    assert epoch_mean("accuracy", mixed, sizes) == epoch_mean("accuracy", eager, sizes)


def test_per_example_compute_must_give_one_value_per_example():
    bad = PerExample(lambda z: z.sum(), torch.ones(3, 2))
    with pytest.raises(ValueError, match="one value per example"):
        epoch_mean("odd", [bad, bad], [3, 3])


@pytest.mark.parametrize("classes", [3, 40])
def test_cross_entropy_accuracy_is_right_with_few_and_many_classes(classes):
    g = torch.Generator().manual_seed(classes)
    x, y = torch.randn(50, 6, generator=g), torch.randint(0, classes, (50,), generator=g)
    torch.manual_seed(0)
    model = torch.nn.Linear(6, classes)
    _, metrics = CrossEntropy()(model, (x, y))
    form = metrics["accuracy"]
    assert isinstance(form, PerExample) == (classes <= 32)
    with torch.no_grad():
        want = accuracy_score(y.numpy(), model(x).argmax(1).numpy())
    assert epoch_mean("accuracy", [form], [50]) == pytest.approx(want, abs=1e-15)
