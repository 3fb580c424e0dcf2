"""learnlab.analysis.teacher_student: the teacher and its data are functions of their seeds,
the labels are the teacher's (a student started at the teacher fits them), the fraction of
runs below a threshold, and the students' sweep wired to the batched ensemble."""

from __future__ import annotations

import copy
import math

import pytest
import torch
import torch.nn.functional as F

from learnlab.analysis.teacher_student import (
    fraction_below,
    random_teacher,
    scaled_teacher,
    teacher_dataset,
    teacher_labels,
    teacher_margins,
    train_students,
    two_layer_relu,
)
from learnlab.io.errors import ConfigError
from learnlab.scale.ensemble import BatchedEnsemble


def test_the_teacher_and_its_data_are_functions_of_their_seeds():
    one, again, other = (random_teacher(6, 3, 2, seed=s) for s in (4, 4, 5))
    for (name, p), q in zip(one.state_dict().items(), again.state_dict().values(), strict=True):
        assert torch.equal(p, q), name
    assert not torch.equal(one[0].weight, other[0].weight)
    a = teacher_dataset(one, train_size=50, test_size=20, seed=1)
    b = teacher_dataset(again, train_size=50, test_size=20, seed=1)
    c = teacher_dataset(one, train_size=50, test_size=20, seed=2)
    for field in ("x_train", "y_train", "x_test", "y_test"):
        assert torch.equal(getattr(a, field), getattr(b, field)), field
    assert not torch.equal(a.x_train, c.x_train)
    assert a.x_train.shape == (50, 6) and a.x_test.shape == (20, 6)
    # the inputs are not the teacher's weights drawn again from the same stream
    assert not torch.equal(a.x_train.reshape(-1)[:18], one[0].weight.reshape(-1))


def test_labels_are_the_teachers_argmax_and_the_margin_keeps_only_clear_inputs():
    teacher = random_teacher(5, 4, 3, seed=0)
    data = teacher_dataset(teacher, train_size=300, test_size=100, seed=0, margin=0.3)
    with torch.no_grad():
        logits = teacher(torch.cat([data.x_train, data.x_test]))
    assert torch.equal(torch.cat([data.y_train, data.y_test]), logits.argmax(1))
    top = logits.topk(2, dim=1).values
    assert bool(((top[:, 0] - top[:, 1]) >= 0.3).all())
    assert torch.equal(teacher_margins(teacher, data.x_train), (top[:, 0] - top[:, 1])[:300])
    unfiltered = teacher_dataset(teacher, train_size=300, test_size=100, seed=0)
    assert float(teacher_margins(teacher, unfiltered.x_train).min()) < 0.3


@pytest.mark.parametrize("seed", range(4))
def test_the_output_biases_keep_every_class_in_the_data(seed):
    # an uncentred random teacher often gives one class (almost) every input
    data = teacher_dataset(random_teacher(10, 4, 3, seed=seed), train_size=600, test_size=1, seed=0)
    counts = torch.bincount(data.y_train, minlength=3)
    assert int(counts.min()) >= 0.05 * 600, counts.tolist()


def test_a_student_started_at_the_teacher_fits_its_labels():
    """The teacher's own architecture at the teacher's weights, the logits scaled up (the same
    argmax), is a solution of the task: accuracy 1 and a cross-entropy near 0 at the start,
    and training from there keeps it."""
    teacher = random_teacher(8, 4, 2, seed=3)
    data = teacher_dataset(teacher, train_size=400, test_size=10, seed=3, margin=0.1)
    start = scaled_teacher(teacher, 200.0).requires_grad_(True)
    ensemble = BatchedEnsemble(lambda: copy.deepcopy(start), seeds=[0, 1], lr=0.01)
    at_start = ensemble.fit(data.x_train, data.y_train, epochs=0, batch_size=50).evaluate(
        data.x_train, data.y_train
    )
    assert at_start["accuracy"].tolist() == [1.0, 1.0]
    assert float(at_start["loss"].max()) < 1e-6
    trained = ensemble.fit(data.x_train, data.y_train, epochs=5, batch_size=50)
    after = trained.evaluate(data.x_train, data.y_train)
    assert after["accuracy"].tolist() == [1.0, 1.0] and float(after["loss"].max()) < 1e-6


def test_without_a_margin_the_scaled_teacher_still_reaches_a_low_loss():
    teacher = random_teacher(10, 4, 2, seed=0)
    data = teacher_dataset(teacher, train_size=2000, test_size=1, seed=0)
    with torch.no_grad():
        logits = scaled_teacher(teacher, 1000.0)(data.x_train)
        assert torch.equal(logits.argmax(1), data.y_train)
        assert torch.allclose(logits, 1000.0 * teacher(data.x_train), rtol=1e-5, atol=1e-3)
        assert float(F.cross_entropy(logits, data.y_train)) < 0.005
    with pytest.raises(ConfigError, match="factor"):
        scaled_teacher(teacher, 0.0)


def test_fraction_below_counts_strictly_below_and_nan_as_failure():
    assert fraction_below([0.1, 0.001, math.nan, 0.009], 0.01) == 0.5
    assert fraction_below(torch.tensor([0.01, 0.02], dtype=torch.float64), 0.01) == 0.0
    assert fraction_below([0.0], 1e-9) == 1.0
    with pytest.raises(ConfigError, match="losses"):
        fraction_below([], 0.1)


def test_the_sweep_reports_each_width_from_the_same_seeds():
    teacher = random_teacher(4, 2, 2, seed=0)
    data = teacher_dataset(teacher, train_size=64, test_size=32, seed=0)
    sweep = train_students(data, [2, 4], [7, 8, 9], epochs=3, batch_size=16, lr=0.01, threshold=0.4)
    assert [w.width for w in sweep.widths] == [2, 4] and sweep.seeds == (7, 8, 9)
    assert sweep.threshold == 0.4
    for outcome in sweep.widths:
        assert outcome.parameters == 4 * outcome.width + outcome.width + 2 * outcome.width + 2
        assert outcome.train_loss.shape == (3,) and outcome.loss_curve.shape == (3, 3)
        assert outcome.fraction_below == fraction_below(outcome.train_loss, 0.4)
    # member k is the run of seed k alone: its final losses do not depend on the other seeds
    alone = train_students(data, [4], [8], epochs=3, batch_size=16, lr=0.01, threshold=0.4)
    assert alone.widths[0].train_loss[0] == pytest.approx(sweep.widths[1].train_loss[1], abs=1e-6)
    # the final loss is the cross-entropy of the trained member on the whole training set
    torch.manual_seed(8)
    student = two_layer_relu(4, 4, 2)
    optimizer = torch.optim.Adam(student.parameters(), lr=0.01)
    order = torch.Generator().manual_seed(8)
    for _ in range(3):
        for batch in torch.randperm(64, generator=order).split(16):
            optimizer.zero_grad()
            F.cross_entropy(student(data.x_train[batch]), data.y_train[batch]).backward()
            optimizer.step()
    with torch.no_grad():
        loss = F.cross_entropy(student(data.x_train), data.y_train)
    assert sweep.widths[1].train_loss[1] == pytest.approx(float(loss), abs=1e-5)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: random_teacher(0, 3, seed=0), "input_dim"),
        (lambda: random_teacher(3, 0, seed=0), "hidden_units"),
        (lambda: random_teacher(3, 3, 1, seed=0), "num_classes"),
        (
            lambda: teacher_dataset(
                random_teacher(3, 2, seed=0), train_size=0, test_size=1, seed=0
            ),
            "train_size",
        ),
        (
            lambda: teacher_dataset(
                random_teacher(3, 2, seed=0), train_size=5, test_size=1, seed=0, margin=-1.0
            ),
            "margin",
        ),
        (
            lambda: teacher_dataset(
                random_teacher(3, 2, seed=0), train_size=5, test_size=1, seed=0, margin=1e9
            ),
            "margin",
        ),
        (lambda: teacher_labels(torch.nn.ReLU(), torch.zeros(2, 3)), "teacher"),
    ],
)
def test_bad_arguments_are_config_errors_naming_them(call, match):
    with pytest.raises(ConfigError, match=match):
        call()


@pytest.mark.parametrize(
    ("settings", "match"),
    [({"widths": []}, "widths"), ({"widths": [0]}, "width"), ({"threshold": 0.0}, "threshold")],
)
def test_bad_sweep_settings_are_config_errors(settings, match):
    data = teacher_dataset(random_teacher(3, 2, seed=0), train_size=8, test_size=4, seed=0)
    arguments = {"widths": [2], "threshold": 0.1, **settings}
    with pytest.raises(ConfigError, match=match):
        train_students(data, seeds=[0], epochs=1, batch_size=4, lr=0.01, **arguments)
