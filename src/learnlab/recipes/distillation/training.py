"""The distillation reproduction's data, networks and parts: the teacher (trained once, its
logits kept, so that `--resume` reuses it) and one student per kind and seed.

Every network trains through `procedures.base.train_stage` with SGD with momentum and a cosine
decay of the learning rate to 0 over its epochs (`CosineDecay`). Students of one seed start
from the same initial weights, whatever their kind.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from learnlab.recipes.distillation.config import DistillationConfig
from learnlab.result import Result
from learnlab.train.events import Callback

NAME = "distillation"
KINDS = ("scratch", "distilled", "omitted")  # the omitted kind never sees `omitted_digit`
SHIFT_STEP = 0.05  # the grid of the omitted class's bias shift


@dataclass(frozen=True)
class MnistData:
    """MNIST images (N, 1, 28, 28) in [0, 1] with their labels; `cut` is where the validation
    images (the last `config.validation` training images) begin."""

    x_train: Tensor
    y_train: Tensor
    x_test: Tensor
    y_test: Tensor
    cut: int


def load_data(config: DistillationConfig) -> MnistData:
    from learnlab.data import load_dataset

    ds = load_dataset("mnist", root=config.data_root, download=config.download)
    train = slice(0, config.limit_train or len(ds.train.x))
    test = slice(0, config.limit_test or len(ds.test.x))
    x_train, y_train = ds.train.x[train].float().div(255), ds.train.y[train].long()
    return MnistData(
        x_train,
        y_train,
        ds.test.x[test].float().div(255),
        ds.test.y[test].long(),
        cut=len(x_train) - config.validation,
    )


def network(width: int, dropout: float = 0.0, input_dropout: float = 0.0) -> nn.Module:
    """784-width-width-10 with ReLUs (learnlab's MLP), dropout after each hidden layer and,
    when asked, on the input pixels."""
    from learnlab.models.mlp import MLP

    body = MLP(28 * 28, 10, depth=2, width=width, dropout=dropout)
    return nn.Sequential(nn.Dropout(input_dropout), body) if input_dropout > 0 else body


class CosineDecay(Callback):
    """The learning rate decays from its start to 0 along a half cosine over the whole fit
    (learnlab.train.schedules' "cosine", stepped after every optimizer step)."""

    def before_fit(self, trainer) -> None:
        from learnlab.train.schedules import build_schedule

        steps = trainer.epochs * len(trainer.train_loader)
        self.schedule = build_schedule("cosine", trainer.optimizer, total_steps=max(1, steps))

    def after_step(self, trainer) -> None:
        self.schedule.step()


def _stage(config: DistillationConfig, epochs: int):
    from learnlab.procedures.base import Stage

    return Stage(epochs=epochs, optimizer="momentum", lr=config.lr, momentum=config.momentum)


def _callbacks(config: DistillationConfig, console) -> list[Callback]:
    from learnlab.train.callbacks.progress import ProgressBar

    return [CosineDecay(), *([ProgressBar(console)] if config.progress else [])]


def errors(logits: Tensor, labels: Tensor, digit: int) -> dict[str, float]:
    """Test errors in all and on the images of `digit` (floats: means over seeds)."""
    wrong, ones = logits.argmax(1) != labels, labels == digit
    return {
        "errors": float(wrong.sum()),
        "digit_errors": float(wrong[ones].sum()),
        "digit_examples": float(ones.sum()),
    }


def train_teacher(config: DistillationConfig, data: MnistData, console) -> Result:
    """The teacher on all training images, jittered by up to `jitter` pixels; its logits on
    the (unjittered) training and test images are the part's outputs."""
    from learnlab.data.loader import TensorLoader
    from learnlab.data.transforms import random_translate
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.procedures.base import train_stage
    from learnlab.procedures.distillation import teacher_logits

    start = time.perf_counter()
    torch.manual_seed(config.seed)
    teacher = network(config.teacher_width, config.dropout, config.input_dropout)
    loader = TensorLoader(
        data.x_train,
        data.y_train,
        batch_size=config.batch_size,
        seed=config.seed,
        transform=random_translate(config.jitter),
    )
    phase = train_stage(
        teacher,
        CrossEntropy(),
        loader,
        _stage(config, config.teacher_epochs),
        name="teacher",
        callbacks=_callbacks(config, console),
    )
    train_logits = teacher_logits(teacher, data.x_train)
    test_logits = teacher_logits(teacher, data.x_test)
    found = errors(test_logits, data.y_test, config.omitted_digit)
    summary = {**found, "train_seconds": time.perf_counter() - start}
    return Result(
        kind=f"{NAME}-teacher",
        title=f"{NAME}: teacher, {config.teacher_width} units x 2, dropout and jitter",
        summary=summary,
        history=list(phase.history),
        outputs={"train_logits": train_logits, "test_logits": test_logits},
        headline=f"{NAME} teacher: {found['errors']:.0f} test errors",
        report=False,
    )


def train_student(
    config: DistillationConfig, data: MnistData, kind: str, seed: int, soft: Tensor, console
) -> Result:
    """One student of `kind` (KINDS) from `seed`; `soft` is the teacher's training logits."""
    from learnlab.data.loader import TensorLoader
    from learnlab.objectives.distillation import Distillation
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.procedures.base import train_stage

    start = time.perf_counter()
    torch.manual_seed(seed)
    student = network(config.student_width)
    x, y = data.x_train, data.y_train
    if kind == "omitted":
        keep = torch.arange(len(x)) < data.cut
        keep &= y != config.omitted_digit
        x, y, soft = x[keep], y[keep], soft[keep]
    if kind == "scratch":
        loader, objective = (
            TensorLoader(x, y, batch_size=config.batch_size, seed=seed),
            CrossEntropy(),
        )
    else:
        loader = TensorLoader(x, y, soft, batch_size=config.batch_size, seed=seed)
        objective = Distillation(config.temperature, config.hard_weight)
    phase = train_stage(
        student,
        objective,
        loader,
        _stage(config, config.student_epochs),
        name=kind,
        callbacks=_callbacks(config, console),
    )
    summary: dict[str, Any] = {"transfer_examples": len(x)}
    outputs: dict[str, Tensor] = {}
    test_logits = _logits(student, data.x_test)
    summary.update(errors(test_logits, data.y_test, config.omitted_digit))
    if kind == "omitted":
        val_logits = _logits(student, data.x_train[data.cut :])
        sweep = bias_sweep(config, val_logits, data.y_train[data.cut :], test_logits, data.y_test)
        summary.update(sweep.pop("summary"))
        outputs.update(sweep)
    summary["train_seconds"] = time.perf_counter() - start
    return Result(
        kind=f"{NAME}-{kind}",
        title=f"{NAME}: {kind} student, seed {seed}",
        summary=summary,
        history=list(phase.history),
        outputs=outputs,
        headline=f"{NAME} {kind} student, seed {seed}: {summary['errors']:.0f} test errors",
        report=False,
    )


def _logits(model: nn.Module, x: Tensor) -> Tensor:
    from learnlab.procedures.distillation import teacher_logits

    return teacher_logits(model, x)  # eval mode, no gradients: any network's logits


def shifted_errors(logits: Tensor, labels: Tensor, digit: int, shifts: Tensor) -> Tensor:
    """Errors (shifts, 2): all and on `digit`, with `shifts[s]` added to the digit's logit."""
    raised = logits.unsqueeze(0).repeat(len(shifts), 1, 1)
    raised[:, :, digit] += shifts.unsqueeze(1)
    wrong = raised.argmax(2) != labels
    return torch.stack([wrong.sum(1), wrong[:, labels == digit].sum(1)], dim=1).double()


def bias_sweep(
    config: DistillationConfig, val_logits: Tensor, val_y: Tensor, test_logits: Tensor, test_y
) -> dict[str, Any]:
    """The omitted class's bias raised by each shift of the grid: the shift with the fewest
    validation errors (the smallest of ties) is chosen; the test set is only evaluated. The
    test set's own best shift (the paper's choice) is kept as a reference, never used."""
    digit = config.omitted_digit
    shifts = torch.arange(0.0, config.largest_shift + SHIFT_STEP / 2, SHIFT_STEP)
    val = shifted_errors(val_logits, val_y, digit, shifts)
    test = shifted_errors(test_logits, test_y, digit, shifts)
    chosen = int(val[:, 0].argmin())
    best_on_test = int(test[:, 0].argmin())
    summary = {
        "chosen_shift": float(shifts[chosen]),
        "validation_errors": float(val[0, 0]),
        "validation_errors_shifted": float(val[chosen, 0]),
        "shifted_errors": float(test[chosen, 0]),
        "shifted_digit_errors": float(test[chosen, 1]),
        "test_best_shift": float(shifts[best_on_test]),
        "test_best_errors": float(test[best_on_test, 0]),
    }
    return {"summary": summary, "shifts": shifts, "validation_errors": val, "test_errors": test}
