"""FitNets' two stages on tiny data: stage 1 changes only the student's layers up to the
guided one and the regressor, stage 2 the whole student on the given objective; the teacher
is never changed; an unknown layer name is a ConfigError naming the layers."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from learnlab.data.loader import TensorLoader
from learnlab.io.errors import ConfigError
from learnlab.objectives.base import as_objective
from learnlab.procedures.base import Stage
from learnlab.procedures.hints import train_with_hints


def _setup():
    torch.manual_seed(0)
    x, y = torch.randn(48, 4), torch.randint(0, 3, (48,))
    teacher = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
    student = nn.Sequential(
        nn.Linear(4, 3),
        nn.Tanh(),
        nn.Linear(3, 3),
        nn.Tanh(),
        nn.Linear(3, 3),
        nn.Tanh(),
        nn.Linear(3, 3),
    )
    return teacher, student, TensorLoader(x, y, batch_size=16, seed=0)


def _copy(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_stage_one_trains_only_the_layers_up_to_the_guided_one_and_the_regressor():
    teacher, student, loader = _setup()
    teacher_before, student_before = _copy(teacher), _copy(student)
    done = train_with_hints(
        teacher,
        student,
        loader,
        teacher_layer="1",
        student_layer="3",
        hint_stage=Stage(epochs=2, optimizer="sgd", lr=0.1),
        final_stage=Stage(epochs=0),
    )
    after = student.state_dict()
    for name in ("0.weight", "0.bias", "2.weight", "2.bias"):  # up to the guided layer "3"
        assert not torch.equal(after[name], student_before[name]), name
    for name in ("4.weight", "4.bias", "6.weight", "6.bias"):  # above it
        assert torch.equal(after[name], student_before[name]), name
    assert done.guided_parameters == 4 and isinstance(done.regressor, nn.Linear)
    assert (done.regressor.in_features, done.regressor.out_features) == (3, 16)
    assert all(torch.equal(v, teacher_before[k]) for k, v in teacher.state_dict().items())
    hints, final = done.stages
    assert (hints.name, len(hints.history), final.history) == ("hints", 2, ())
    assert hints.history[-1]["train_loss"] < hints.history[0]["train_loss"]


def test_stage_two_trains_the_whole_student_on_the_given_objective():
    teacher, student, loader = _setup()
    seen = []

    def objective(model, batch):
        seen.append(len(batch[0]))
        return nn.functional.cross_entropy(model(batch[0]), batch[1]), {}

    done = train_with_hints(
        teacher,
        student,
        loader,
        teacher_layer="1",
        student_layer="1",
        hint_stage=Stage(epochs=1),
        final_stage=Stage(epochs=2, lr=0.01),
        objective=as_objective(objective),
        val_loader=loader,
    )
    before = _copy(student)
    assert len(seen) == 2 * 3 + 2 * 3  # two epochs of 3 batches, each validated on 3
    final = done.stages[1]
    assert final.name == "student" and "val_loss" in final.history[-1]
    train_with_hints(
        teacher,
        student,
        loader,
        teacher_layer="1",
        student_layer="1",
        hint_stage=Stage(epochs=0),
        final_stage=Stage(epochs=1, lr=0.01),
    )
    changed = [k for k, v in student.state_dict().items() if not torch.equal(v, before[k])]
    assert changed == list(before)  # every layer of the student moves in stage 2


def test_an_unknown_layer_is_a_config_error_listing_the_names():
    teacher, student, loader = _setup()
    with pytest.raises(ConfigError, match=r"student_layer='act5'.*0, 1, 2, 3, 4, 5, 6"):
        train_with_hints(
            teacher,
            student,
            loader,
            teacher_layer="1",
            student_layer="act5",
            hint_stage=Stage(epochs=1),
            final_stage=Stage(epochs=1),
        )
