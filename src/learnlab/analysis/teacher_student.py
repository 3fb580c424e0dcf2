"""Over-parameterisation in a teacher-student task: data labelled by a random one-hidden-layer
ReLU network with N hidden units (the teacher), and students with N, 2N, 4N, ... hidden units
trained from many seeds; per width, the fraction of students whose training loss falls below a
threshold.

The lecture (L3, "strangely non-convex"): if a data set is labelled by an N-hidden-unit
network, training another N-hidden-unit network is likely to fail, while a larger one is more
likely to succeed. Livni, Shalev-Shwartz & Shamir (2014), "On the computational efficiency of
training neural networks", call this over-specification; Safran & Shamir (2018), "Spurious
local minima are common in two-layer ReLU neural networks", show that a student of the
teacher's size has spurious local minima (Gaussian inputs, squared loss) which gradient descent
often reaches, and that mild over-parameterisation makes them much rarer.

The task here is classification (learnlab's batched ensembles train classifiers with
cross-entropy): inputs x ~ N(0, I_d); the teacher x -> W2 relu(W1 x + b1) + b2 with W1, b1,
W2 drawn from N(0, 1/fan_in) and b2 set so that each class's logit has mean zero over 4,096
inputs of its own (otherwise one class can take almost every input); the label is the argmax
of its logits. The task is realisable: a student of the teacher's size, started at the teacher,
classifies every point correctly and only has to grow its weights to drive the loss to 0. The
students are trained as one `BatchedEnsemble` per width (member k: seed s_k for its
initialisation and batch order), and their final losses are measured on the whole training and
test sets in eval mode.

Example:
    >>> teacher = random_teacher(10, 4, seed=0)
    >>> data = teacher_dataset(teacher, train_size=500, test_size=500, seed=0)
    >>> sweep = train_students(data, widths=[4, 16], seeds=range(4), epochs=20,
    ...                        batch_size=50, lr=0.01, threshold=0.05)
    >>> [w.width for w in sweep.widths], sweep.fractions()  # doctest: +SKIP
    ([4, 16], [0.0, 0.75])
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from learnlab.analysis.base import preserved_model_state
from learnlab.io.errors import ConfigError

# inputs on which the teacher's output biases are centred (drawn from the teacher's generator)
CENTRING_INPUTS = 4096


def two_layer_relu(input_dim: int, hidden_units: int, num_classes: int) -> nn.Sequential:
    """x -> Linear(hidden_units) -> ReLU -> Linear(num_classes): the teacher's and the students'
    architecture (a plain MLP, which a BatchedEnsemble trains by batched matrix multiplies)."""
    return nn.Sequential(
        nn.Linear(input_dim, hidden_units), nn.ReLU(), nn.Linear(hidden_units, num_classes)
    )


def _generator(seed: int, stream: int) -> torch.Generator:
    """A CPU generator for one use of `seed` (0: the teacher, 1: the inputs): the teacher's
    weights and the data drawn from one seed are independent draws, not one stream twice."""
    state = np.random.SeedSequence([int(seed), stream]).generate_state(2, dtype=np.uint32)
    return torch.Generator().manual_seed(int(state[0]) << 32 | int(state[1]))


def _positive_int(name: str, value: object, least: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
        raise ConfigError(f"{name} must be an integer >= {least}, got {value!r}.")
    return int(value)


@torch.no_grad()
def random_teacher(
    input_dim: int, hidden_units: int, num_classes: int = 2, *, seed: int
) -> nn.Sequential:
    """A teacher network drawn from `seed` alone (module docstring): Gaussian weights and hidden
    biases with variance 1/fan_in, output biases centring each logit on Gaussian inputs."""
    input_dim = _positive_int("input_dim", input_dim)
    hidden_units = _positive_int("hidden_units", hidden_units)
    num_classes = _positive_int("num_classes", num_classes, least=2)
    generator = _generator(seed, 0)
    teacher = two_layer_relu(input_dim, hidden_units, num_classes)
    for layer in (teacher[0], teacher[2]):
        scale = layer.in_features**-0.5
        layer.weight.copy_(torch.randn(layer.weight.shape, generator=generator) * scale)
        layer.bias.copy_(torch.randn(layer.bias.shape, generator=generator) * scale)
    inputs = torch.randn(CENTRING_INPUTS, input_dim, generator=generator)
    teacher[2].bias.sub_(teacher(inputs).mean(0))
    return teacher.requires_grad_(False).eval()


@torch.no_grad()
def scaled_teacher(teacher: nn.Sequential, factor: float) -> nn.Sequential:
    """A copy of `teacher` whose logits are `factor` times its own (the output layer scaled):
    the same labels, and a cross-entropy that falls towards 0 as `factor` grows, except on
    inputs whose logits tie. It shows that the teacher's own architecture can reach a low loss
    on its data, so a teacher-sized student that does not has failed to find such weights."""
    if not isinstance(factor, numbers.Real) or not 0 < factor < float("inf"):
        raise ConfigError(f"factor must be a finite number > 0, got {factor!r}.")
    scaled = copy.deepcopy(teacher)
    last = scaled[-1]
    if not isinstance(last, nn.Linear):
        raise ConfigError("teacher must end with a Linear layer (e.g. random_teacher()).")
    last.weight.mul_(factor)
    if last.bias is not None:
        last.bias.mul_(factor)
    return scaled


@torch.no_grad()
def teacher_labels(teacher: nn.Module, x: Tensor) -> Tensor:
    """The teacher's class for each row of `x`: the argmax of its logits in eval mode (the
    teacher comes back in the mode it came in)."""
    if not list(teacher.parameters()):
        raise ConfigError("teacher has no parameters: give a network such as random_teacher().")
    with preserved_model_state(teacher):
        return teacher(x).argmax(-1)


@torch.no_grad()
def teacher_margins(teacher: nn.Module, x: Tensor) -> Tensor:
    """For each row of `x`, the teacher's largest logit minus its second largest (eval mode)."""
    with preserved_model_state(teacher):
        top = teacher(x).topk(2, dim=-1).values
    return top[:, 0] - top[:, 1]


@dataclass(frozen=True)
class TeacherData:
    """Gaussian inputs and the teacher's labels: (N, d) float32 inputs, (N,) int64 labels."""

    x_train: Tensor
    y_train: Tensor
    x_test: Tensor
    y_test: Tensor


def teacher_dataset(
    teacher: nn.Module, *, train_size: int, test_size: int, seed: int, margin: float = 0.0
) -> TeacherData:
    """`train_size` + `test_size` inputs x ~ N(0, I) drawn from `seed`, labelled by `teacher`;
    with `margin` > 0, only inputs whose two largest teacher logits differ by at least `margin`
    are kept (the others are redrawn), so that the labels are separable with a margin and a
    student at the teacher's weights, scaled up, has a cross-entropy near 0. The same
    (teacher, sizes, seed, margin) give the same tensors."""
    train_size = _positive_int("train_size", train_size)
    test_size = _positive_int("test_size", test_size)
    if not isinstance(margin, numbers.Real) or not 0 <= margin < float("inf"):
        raise ConfigError(f"margin must be a finite number >= 0, got {margin!r}.")
    first = next(iter(teacher.parameters()), None)
    if first is None or first.dim() != 2:
        raise ConfigError("teacher must start with a Linear layer (e.g. random_teacher()).")
    generator = _generator(seed, 1)
    wanted, kept, labels, drawn = train_size + test_size, [], [], 0
    while drawn < wanted:
        x = torch.randn(wanted, first.shape[1], generator=generator)
        keep = teacher_margins(teacher, x) >= margin
        kept.append(x[keep])
        labels.append(teacher_labels(teacher, x[keep]))
        drawn += int(keep.sum())
        if drawn == 0 and len(kept) >= 100:
            raise ConfigError(
                f"margin {margin:g} is larger than almost every input's logit margin under "
                "this teacher; use a smaller margin (0 keeps every input)."
            )
    x, y = torch.cat(kept)[:wanted], torch.cat(labels)[:wanted]
    return TeacherData(x[:train_size], y[:train_size], x[train_size:], y[train_size:])


def fraction_below(losses: Tensor | Sequence[float], threshold: float) -> float:
    """The fraction of runs whose loss is strictly below `threshold` (a NaN loss counts as a
    failure)."""
    losses = torch.as_tensor(losses, dtype=torch.float64)
    if losses.numel() == 0:
        raise ConfigError("losses is empty: give one final loss per run.")
    return float((losses < threshold).to(torch.float64).mean())


@dataclass(frozen=True)
class WidthOutcome:
    """The students of one width, one entry per seed (in the order of the seeds)."""

    width: int
    parameters: int  # of one student
    train_loss: np.ndarray  # final cross-entropy on the whole training set, eval mode
    train_accuracy: np.ndarray
    test_loss: np.ndarray
    test_accuracy: np.ndarray
    loss_curve: np.ndarray  # (epochs, seeds): the mean training loss of each epoch
    fraction_below: float  # of train_loss under the sweep's threshold

    @property
    def median_train_loss(self) -> float:
        return float(np.median(self.train_loss))

    @property
    def median_test_loss(self) -> float:
        return float(np.median(self.test_loss))


@dataclass(frozen=True)
class StudentSweep:
    threshold: float
    seeds: tuple[int, ...]
    widths: tuple[WidthOutcome, ...]

    def fractions(self) -> list[float]:
        return [w.fraction_below for w in self.widths]


def train_students(
    data: TeacherData,
    widths: Sequence[int],
    seeds: Sequence[int],
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    threshold: float,
    optimizer: str = "adam",
    device: str | torch.device | None = "cpu",
) -> StudentSweep:
    """Train a student of every width from every seed (one BatchedEnsemble per width) on
    `data`'s training set; the final losses and the fraction below `threshold` per width."""
    from learnlab.scale.ensemble import BatchedEnsemble

    widths = [_positive_int("width", w) for w in widths]
    if not widths:
        raise ConfigError("widths is empty: give the students' hidden units, e.g. [4, 8, 16].")
    if not isinstance(threshold, numbers.Real) or not threshold > 0:
        raise ConfigError(f"threshold must be a loss > 0, got {threshold!r}.")
    input_dim = data.x_train.shape[1]
    num_classes = int(max(data.y_train.max(), data.y_test.max())) + 1
    outcomes = []
    for width in widths:
        ensemble = BatchedEnsemble(
            lambda width=width: two_layer_relu(input_dim, width, num_classes),
            seeds=list(seeds),
            optimizer=optimizer,
            lr=lr,
            device=device,
        ).fit(data.x_train, data.y_train, epochs=epochs, batch_size=batch_size)
        train = ensemble.evaluate(data.x_train, data.y_train)
        test = ensemble.evaluate(data.x_test, data.y_test)
        curve = [epoch["train_loss"].numpy() for epoch in ensemble.history_]
        outcomes.append(
            WidthOutcome(
                width=width,
                parameters=sum(p.numel() for p in ensemble.member(0).parameters()),
                train_loss=train["loss"].double().numpy(),
                train_accuracy=train["accuracy"].double().numpy(),
                test_loss=test["loss"].double().numpy(),
                test_accuracy=test["accuracy"].double().numpy(),
                loss_curve=np.stack(curve) if curve else np.zeros((0, ensemble.K)),
                fraction_below=fraction_below(train["loss"], threshold),
            )
        )
    return StudentSweep(float(threshold), tuple(int(s) for s in seeds), tuple(outcomes))
