"""The curriculum recipe's experiment: noisy training labels, a teacher's difficulty scores,
and one student per (method, seed) trained for the same number of paced steps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from learnlab.recipes.curriculum.config import CurriculumConfig


@dataclass(frozen=True)
class NoisyTask:
    train_x: Tensor
    train_y: Tensor  # with the label noise
    noisy: Tensor  # bool, which training labels were changed
    val_x: Tensor
    val_y: Tensor
    test_x: Tensor
    test_y: Tensor
    input_shape: tuple[int, ...]
    num_classes: int


def with_label_noise(
    y: Tensor, fraction: float, num_classes: int, seed: int
) -> tuple[Tensor, Tensor]:
    """(labels, changed): a seeded `fraction` of `y` moved to another class, drawn uniformly."""
    g = torch.Generator().manual_seed(seed)
    changed = torch.zeros(len(y), dtype=torch.bool)
    changed[torch.randperm(len(y), generator=g)[: round(fraction * len(y))]] = True
    shift = torch.randint(1, num_classes, (len(y),), generator=g)
    return torch.where(changed, (y + shift) % num_classes, y), changed


def load_task(config: CurriculumConfig) -> NoisyTask:
    from learnlab.config import TrainConfig
    from learnlab.io.errors import ConfigError
    from learnlab.pipeline import prepare_data

    data = prepare_data(
        TrainConfig(
            dataset=config.dataset,
            model=config.model,
            limit_train=config.limit_train,
            val_fraction=config.val_fraction,
            seed=config.seed,
            data_root=config.data_root,
            download=config.download,
        )
    )
    classes = data.dataset.num_classes
    if classes is None or data.val is None:
        raise ConfigError(
            f"dataset {config.dataset!r} is not a classification data set; use e.g. mnist or digits"
        )
    labels, noisy = with_label_noise(data.train.y.long(), config.label_noise, classes, config.seed)
    return NoisyTask(
        data.train.x,
        labels,
        noisy,
        data.val.x,
        data.val.y.long(),
        data.test.x,
        data.test.y.long(),
        tuple(data.dataset.input_shape),
        classes,
    )


def new_model(config: CurriculumConfig, task: NoisyTask, seed: int) -> nn.Module:
    from learnlab.models import build_model

    torch.manual_seed(seed)
    return build_model(config.model, task.input_shape, task.num_classes, **config.model_options)


def _stage(config: CurriculumConfig, epochs: int):
    from learnlab.procedures.base import Stage

    return Stage(epochs=epochs, optimizer=config.optimizer, lr=config.lr)


def teacher_scores(config: CurriculumConfig, task: NoisyTask) -> Tensor:
    """Each training example's loss under a teacher: the same model trained plainly on the
    (noisy) training set for `teacher_epochs` epochs, before any student."""
    from learnlab.data.loader import TensorLoader
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.procedures.base import train_stage
    from learnlab.procedures.curriculum import teacher_difficulty

    teacher = new_model(config, task, config.seed)
    loader = TensorLoader(
        task.train_x, task.train_y, batch_size=config.batch_size, seed=config.seed
    )
    train_stage(
        teacher, CrossEntropy(), loader, _stage(config, config.teacher_epochs), name="teacher"
    )
    return teacher_difficulty(teacher, task.train_x, task.train_y)


def pacing_of(config: CurriculumConfig, method: str):
    from learnlab.procedures.curriculum import Pacing

    kind = "full" if method == "plain" else config.pacing
    return Pacing(
        kind, start=config.start, ramp_steps=config.ramp_steps(), increase=config.increase
    )


ORDER_OF = {
    "plain": "curriculum",
    "curriculum": "curriculum",
    "anti-curriculum": "anti",
    "random-order": "random",
}


@torch.no_grad()
def error_rate(model: nn.Module, x: Tensor, y: Tensor, batch_size: int = 2000) -> float:
    model.eval()
    wrong = sum(
        int((model(x[i : i + batch_size]).argmax(1) != y[i : i + batch_size]).sum())
        for i in range(0, len(x), batch_size)
    )
    return wrong / len(x)


def train_student(
    config: CurriculumConfig, task: NoisyTask, difficulty: Tensor, method: str, seed: int
) -> dict[str, Any]:
    """One student: `config.steps` batches paced by `method`; its validation curve (clean
    labels) every steps / evaluations steps, and its final test error."""
    from learnlab.data.loader import TensorLoader
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.procedures.curriculum import CurriculumLoader, train_with_curriculum

    model = new_model(config, task, seed)
    loader = CurriculumLoader(
        task.train_x,
        task.train_y,
        difficulty=difficulty,
        pacing=pacing_of(config, method),
        batch_size=config.batch_size,
        steps_per_epoch=config.steps // config.evaluations,
        order=ORDER_OF[method],
        seed=seed,
    )
    val = TensorLoader(task.val_x, task.val_y, batch_size=2000, shuffle=False)
    trained = train_with_curriculum(
        model,
        CrossEntropy(),
        loader,
        _stage(config, config.evaluations),
        val_loader=val,
        name=method,
    )
    curve = [1.0 - record["val_accuracy"] for record in trained.phases[0].history]
    return {
        "method": method,
        "seed": seed,
        "val_curve": curve,
        "val_error": curve[-1],
        "test_error": error_rate(model, task.test_x, task.test_y),
    }
