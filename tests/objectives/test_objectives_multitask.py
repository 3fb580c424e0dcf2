"""The class-plus-box objective: averaged losses and Kendall et al.'s uncertainty weighting
(eq. 10 in log-variances) against hand-computed values; its log-variances train as the
objective's own parameters; bad weightings and tasks are refused."""

from __future__ import annotations

import math

import pytest
import torch

from learnlab.io.errors import ConfigError
from learnlab.objectives.multitask import ClassAndBox, box_loss

LOG3 = math.log(3)


def outputs(**heads):
    return lambda x: heads


# logits all 0 over 3 classes: cross-entropy log 3; boxes 0 against 1: squared error 4 each
HEADS = {"class": torch.zeros(2, 3), "box": torch.zeros(2, 4)}
BATCH = (torch.zeros(2, 1), torch.tensor([0, 2]), torch.ones(2, 4))


def test_box_loss_is_the_mean_squared_euclidean_distance_of_the_corners():
    predicted = torch.tensor([[0.0, 0.0, 1.0, 1.0], [0.5, 0.5, 0.5, 0.5]])
    target = torch.tensor([[0.0, 1.0, 1.0, 3.0], [0.5, 0.5, 0.5, 0.5]])
    assert box_loss(predicted, target).item() == pytest.approx((1 + 4 + 0) / 2)


def test_average_is_the_mean_of_the_two_losses():
    loss, metrics = ClassAndBox("average")(outputs(**HEADS), BATCH)
    assert loss.item() == pytest.approx((LOG3 + 4) / 2)
    assert metrics["class_loss"].item() == pytest.approx(LOG3)
    assert metrics["box_loss"].item() == pytest.approx(4.0)


def test_a_single_task_is_that_task_loss_alone():
    box_only = ClassAndBox("average", tasks=("box",))
    loss, metrics = box_only(outputs(box=HEADS["box"]), BATCH)  # no class head needed
    assert loss.item() == pytest.approx(4.0) and set(metrics) == {"box_loss"}
    loss, _ = ClassAndBox("average", tasks=("class",))(outputs(**{"class": HEADS["class"]}), BATCH)
    assert loss.item() == pytest.approx(LOG3)


def test_uncertainty_weighting_at_start_is_half_the_box_loss_plus_the_cross_entropy():
    objective = ClassAndBox("uncertainty")
    loss, metrics = objective(outputs(**HEADS), BATCH)
    # s = 0 (sigma = 1): 1/2 * 4 + 0 + log 3 + 0
    assert loss.item() == pytest.approx(2 + LOG3)
    assert metrics["log_var_class"].item() == 0.0 and metrics["log_var_box"].item() == 0.0


def test_uncertainty_weighting_at_given_log_variances_is_eq_10():
    objective = ClassAndBox("uncertainty")
    (module,) = objective.extra_modules()
    with torch.no_grad():
        module.log_var.copy_(torch.tensor([math.log(2), math.log(4)]))  # (class, box)
    loss, _ = objective(outputs(**HEADS), BATCH)
    # class: exp(-log 2) log 3 + log(2) / 2; box: 1/2 exp(-log 4) 4 + log(4) / 2
    expected = LOG3 / 2 + math.log(2) / 2 + 0.5 + math.log(4) / 2
    assert loss.item() == pytest.approx(expected)


def test_the_learned_log_variances_are_stationary_where_the_paper_says():
    objective = ClassAndBox("uncertainty")
    (module,) = objective.extra_modules()
    with torch.no_grad():  # the minimum in s: s_box = log L_box, s_class = log(2 L_class)
        module.log_var.copy_(torch.tensor([math.log(2 * LOG3), math.log(4)]))
    loss, _ = objective(outputs(**HEADS), BATCH)
    (grad,) = torch.autograd.grad(loss, module.log_var)
    assert grad.abs().max().item() < 1e-6


def test_the_log_variances_train_with_the_network_through_train_stage():
    from learnlab.data.loader import TensorLoader
    from learnlab.models.multi_head import MultiHeadCNN
    from learnlab.procedures.base import Stage, train_stage

    torch.manual_seed(0)
    net = MultiHeadCNN((1, 8, 8), {"class": 3, "box": 4}, channels=(2,), width=4)
    objective = ClassAndBox("uncertainty")
    x, y, boxes = torch.rand(32, 1, 8, 8), torch.randint(0, 3, (32,)), torch.rand(32, 4)
    phase = train_stage(
        net,
        objective,
        TensorLoader(x, y, boxes, batch_size=8, seed=0),
        Stage(epochs=2, lr=0.05),
        name="fit",
    )
    learned = objective.extra_modules()[0].log_var.detach()
    assert learned.abs().min().item() > 1e-3  # both moved from 0
    last = phase.history[-1]
    assert last["train_log_var_class"] == pytest.approx(learned[0].item(), abs=0.2)
    assert {"train_class_loss", "train_box_loss", "train_accuracy"} <= set(last)


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"weighting": "sum"}, "weighting"),
        ({"weighting": "average", "tasks": ("class", "mask")}, "task"),
        ({"weighting": "average", "tasks": ()}, "tasks"),
        ({"weighting": "average", "tasks": ("box", "box")}, "tasks"),
    ],
)
def test_bad_weightings_and_tasks_are_refused_naming_them(arguments, named):
    with pytest.raises(ConfigError, match=named):
        ClassAndBox(**arguments)
