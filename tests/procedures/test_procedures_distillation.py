"""procedures.distillation: a student trained on a teacher's soft targets through train_stage,
with precomputed or per-batch teacher logits; the teacher untouched; bad settings refused."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from learnlab.data.loader import TensorLoader
from learnlab.io.errors import ConfigError
from learnlab.procedures.base import Stage
from learnlab.procedures.distillation import distil, teacher_logits


def problem() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    """A fixed random teacher (with dropout, so that eval mode matters) and inputs it labels."""
    torch.manual_seed(0)
    teacher = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Dropout(0.5), nn.Linear(16, 4))
    x = torch.randn(128, 6)
    return teacher, x, teacher_logits(teacher, x).argmax(1)


def agreement(student: nn.Module, teacher: nn.Module, x: torch.Tensor) -> float:
    with torch.no_grad():
        return (student(x).argmax(1) == teacher_logits(teacher, x).argmax(1)).float().mean().item()


def test_teacher_logits_are_in_eval_mode_and_restore_the_mode() -> None:
    teacher, x, _ = problem()
    teacher.train()
    first = teacher_logits(teacher, x, batch_size=7)
    assert teacher.training and not first.requires_grad
    torch.testing.assert_close(first, teacher_logits(teacher, x))  # no dropout: deterministic


@pytest.mark.parametrize("precomputed", [True, False])
def test_the_student_learns_the_teachers_function_and_the_teacher_stays(precomputed) -> None:
    teacher, x, y = problem()
    before = [p.detach().clone() for p in teacher.parameters()]
    torch.manual_seed(1)
    student = nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, 4))
    start = agreement(student, teacher, x)
    tensors = (x, y, teacher_logits(teacher, x)) if precomputed else (x, y)
    done = distil(
        teacher,
        student,
        TensorLoader(*tensors, batch_size=32, seed=0),
        Stage(epochs=30, lr=0.01),
        temperature=4.0,
        hard_weight=0.0,
    )
    history = done.phases[0].history
    assert done.student is student and len(history) == 30
    assert history[-1]["train_soft_loss"] < history[0]["train_soft_loss"]
    assert agreement(student, teacher, x) > max(0.9, start)
    assert all(torch.equal(a, b) for a, b in zip(before, teacher.parameters(), strict=True))


def test_bad_settings_are_refused_before_training() -> None:
    teacher, x, y = problem()
    student = nn.Linear(6, 4)
    loader = TensorLoader(x, y, batch_size=32, seed=0)
    with pytest.raises(ConfigError, match="temperature"):
        distil(teacher, student, loader, Stage(epochs=1), temperature=0.0)
    with pytest.raises(ConfigError, match="hard_weight"):
        distil(teacher, student, loader, Stage(epochs=1), temperature=2.0, hard_weight=2.0)
