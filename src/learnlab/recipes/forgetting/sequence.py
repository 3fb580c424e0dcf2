"""One seed of the forgetting experiment: permuted-MNIST tasks learned one after the other by
one network with plain SGD, L2 to the old weights, or EWC, each strength of each penalty a
branch; every task's accuracy after every task (test and validation) and after every epoch
(the figure's curves).

Task 0 is learned without a penalty, so it is trained once and every branch starts from its
weights (and, for EWC, its Fisher); task t's batches come in the same order in every branch.
After each task a branch adds an anchor at its weights: EWC's weighted by the diagonal Fisher
of that task's first `fisher_examples` training images, L2's by 1.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from learnlab.recipes.forgetting.config import ForgettingConfig
from learnlab.train.events import Callback

PIXELS = 28 * 28
CLASSES = 10


@dataclass(frozen=True)
class PermutedMnist:
    """The unpermuted splits (flat, normalised) and one pixel permutation per task."""

    train: tuple[Tensor, Tensor]
    val: tuple[Tensor, Tensor]
    test: tuple[Tensor, Tensor]
    permutations: list[Tensor]


@dataclass
class Branch:
    """One method at one strength: `test[t][k]` is the test accuracy on task k after learning
    task t, `val[-1][k]` the validation accuracy after the last task; `curves[e][k]` the
    accuracy on task k's curve images after epoch e."""

    method: str
    strength: float
    test: list[list[float]] = field(default_factory=list)
    val: list[list[float]] = field(default_factory=list)
    curves: list[list[float]] = field(default_factory=list)
    diverged_at: int | None = None  # the task during which SGD diverged, if it did

    def final_val(self) -> float:
        return sum(self.val[-1]) / len(self.val[-1])


def permuted_mnist(config: ForgettingConfig, seed: int) -> PermutedMnist:
    from learnlab.data import flatten, load_dataset, normalize
    from learnlab.data.permuted_pixels import task_permutations

    ds = load_dataset("mnist", root=config.data_root, download=config.download)

    def inputs(x: Tensor) -> Tensor:
        # pixels in [0, 1], not standardised: the background stays exactly 0, as in the MNIST
        # files EWC codes read (standardising it shrank plain SGD's forgetting in a trial run)
        return flatten(normalize(x, scale=ds.scale, mean=0.0, std=1.0))

    x, y = inputs(ds.train.x), ds.train.y.long()
    cut = len(x) - config.val_examples
    end = cut if config.limit_train is None else min(cut, config.limit_train)
    return PermutedMnist(
        train=(x[:end], y[:end]),
        val=(x[cut:], y[cut:]),
        test=(inputs(ds.test.x), ds.test.y.long()),
        permutations=task_permutations(config.tasks, PIXELS, seed),
    )


def mlp(config: ForgettingConfig, seed: int) -> nn.Module:
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    width_in = PIXELS
    for _ in range(config.depth):
        layers += [nn.Linear(width_in, config.width), nn.ReLU()]
        width_in = config.width
    return nn.Sequential(*layers, nn.Linear(width_in, CLASSES))


def accuracy(model: nn.Module, split: tuple[Tensor, Tensor], permutation: Tensor) -> float:
    from learnlab.data.permuted_pixels import permute_pixels

    x, y = split
    model.eval()
    correct, chunk = 0, 5000
    with torch.no_grad():
        for i in range(0, len(x), chunk):
            logits = model(permute_pixels(x[i : i + chunk], permutation))
            correct += int((logits.argmax(1) == y[i : i + chunk]).sum())
    return correct / len(x)


def all_tasks(model: nn.Module, split: tuple[Tensor, Tensor], data: PermutedMnist) -> list[float]:
    return [accuracy(model, split, p) for p in data.permutations]


class TaskCurves(Callback):
    """After every epoch: the accuracy on the curve images of every task."""

    def __init__(self, curve: tuple[Tensor, Tensor], data: PermutedMnist, into: list) -> None:
        self.curve, self.data, self.into = curve, data, into

    def after_epoch(self, trainer: Any) -> None:
        self.into.append(all_tasks(trainer.model, self.curve, self.data))
        trainer.model.train()


def learn_task(
    model: nn.Module,
    objective: Any,
    data: PermutedMnist,
    task: int,
    config: ForgettingConfig,
    seed: int,
    curves: list,
) -> None:
    """`config.epochs` epochs of plain SGD on task `task`; its batch order from (seed, task).
    The task's images are permuted once, not batch by batch every epoch (the same batches: the
    permutation moves pixels and draws nothing)."""
    from learnlab.data import TensorLoader
    from learnlab.data.permuted_pixels import permute_pixels
    from learnlab.train.trainer import Trainer

    x, y = data.train
    loader = TensorLoader(
        permute_pixels(x, data.permutations[task]),
        y,
        batch_size=config.batch_size,
        seed=seed * 1000 + task,
    )
    curve = (data.test[0][: config.curve_examples], data.test[1][: config.curve_examples])
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr)
    model.train()
    Trainer(model, objective, optimizer, callbacks=[TaskCurves(curve, data, curves)]).fit(
        loader, config.epochs
    )


def anchor_after(method: str, model: nn.Module, data: PermutedMnist, task: int, config, seed: int):
    """The anchor a branch adds after task `task` (None for plain SGD)."""
    from learnlab.analysis.fisher import fisher_diagonal
    from learnlab.data.permuted_pixels import permute_pixels
    from learnlab.objectives.consolidation import anchor_at

    if method == "sgd":
        return None
    if method == "l2":
        return anchor_at(model)
    x, y = data.train[0][: config.fisher_examples], data.train[1][: config.fisher_examples]
    x = permute_pixels(x, data.permutations[task])
    fisher = fisher_diagonal(model, (x, y), kind=config.fisher, batch_size=32, seed=seed + task)
    return anchor_at(model, fisher.values)


def record(branch: Branch, model: nn.Module, data: PermutedMnist, last: bool) -> None:
    """The test accuracy on every task; the validation accuracy only after the last task (the
    only one the choice of strength reads)."""
    branch.test.append(all_tasks(model, data.test, data))
    if last:
        branch.val.append(all_tasks(model, data.val, data))


def run_branches(
    config: ForgettingConfig, seed: int, strengths: dict[str, list[float]], data: PermutedMnist
) -> list[Branch]:
    """Every (method, strength) of `strengths` through all tasks, from one shared task 0."""
    from learnlab.objectives.supervised import CrossEntropy

    model = mlp(config, seed)
    first_curves: list = []
    learn_task(model, CrossEntropy(), data, 0, config, seed, first_curves)
    start = Branch("start", 0.0)
    record(start, model, data, last=config.tasks == 1)
    after_first = copy.deepcopy(model.state_dict())
    first_anchor = {
        method: anchor_after(method, model, data, 0, config, seed)
        for method in strengths
        if config.tasks > 1
    }
    branches = []
    for method, values in strengths.items():
        for strength in values:
            model.load_state_dict(after_first)
            branch = Branch(method, strength, list(start.test), list(start.val), list(first_curves))
            anchors = [first_anchor[method]] if config.tasks > 1 and method != "sgd" else []
            follow(branch, model, anchors, data, config, seed)
            branches.append(branch)
    return branches


def diverged(model: nn.Module, x: Tensor) -> bool:
    """Non-finite weights, or weights so large that the logits overflow."""
    if not all(bool(torch.isfinite(p).all()) for p in model.parameters()):
        return True
    with torch.no_grad():
        return not bool(torch.isfinite(model(x)).all())


def follow(
    branch: Branch, model: nn.Module, anchors: list, data: PermutedMnist, config, seed: int
) -> None:
    """Tasks 1, 2, ... of one branch, adding an anchor after each. A penalty too stiff for the
    learning rate (lr * lambda * F_i > 2) makes SGD diverge: the branch then stops, keeps the
    accuracies of its non-finite weights for the tasks left, and is never chosen."""
    from learnlab.objectives.consolidation import Consolidated
    from learnlab.objectives.supervised import CrossEntropy

    for task in range(1, config.tasks):
        objective = Consolidated(CrossEntropy(), anchors, branch.strength)
        learn_task(model, objective, data, task, config, seed, branch.curves)
        last = task == config.tasks - 1
        if diverged(model, data.train[0][: config.batch_size]):
            branch.diverged_at = task
            left = config.tasks - task
            branch.test += [all_tasks(model, data.test, data)] * left
            branch.val.append(all_tasks(model, data.val, data))
            branch.curves += [branch.curves[-1]] * ((left - 1) * config.epochs)
            return
        record(branch, model, data, last=last)
        if branch.method != "sgd" and not last:
            anchors.append(anchor_after(branch.method, model, data, task, config, seed))


def chosen(branches: list[Branch], method: str) -> Branch:
    """The branch of `method` with the best mean validation accuracy over all tasks after the
    last task (the first of equals: the smallest strength listed first); one that diverged
    only if all did."""
    candidates = [b for b in branches if b.method == method]
    return max(
        candidates,
        key=lambda b: (b.diverged_at is None, b.final_val(), -candidates.index(b)),
    )
