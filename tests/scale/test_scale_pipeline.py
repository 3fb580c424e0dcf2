"""The pipeline against its oracle, the unsplit model in this process: the same outputs and
the same gradient of every parameter on one batch for 1, 2 and 4 micro-batches, and the same
weights after SGD steps (GPipe and 1F1B, 2 and 3 stages). The stages are real processes."""

from __future__ import annotations

import multiprocessing

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.scale.pipeline import PipelineTask, run_pipeline, run_pipeline_tasks
from learnlab.scale.pipeline_timing import theoretical_bubble
from learnlab.scale.processes import WorkerFailed
from learnlab.scale.stages import split_stages

TOL = {"rtol": 0, "atol": 1e-6}
BATCH = 8


def tiny_model() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Flatten(), nn.Linear(6, 12), nn.Tanh(), nn.Linear(12, 12), nn.Tanh(), nn.Linear(12, 3)
    )


def batch(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(BATCH, 2, 3, generator=generator), torch.randint(0, 3, (BATCH,))


@pytest.fixture(autouse=True)
def no_process_left():
    yield
    assert multiprocessing.active_children() == []


def test_outputs_and_every_gradient_equal_the_unsplit_models_for_1_2_4_micro_batches():
    model = tiny_model()
    x, y = batch(1)
    counts = (1, 2, 4)
    tasks = [PipelineTask([(x, y)], m) for m in counts]  # lr 0: the weights stay put
    runs = run_pipeline_tasks(split_stages(model, 2), tasks, timeout=120)
    outputs = model(x)
    F.cross_entropy(outputs, y).backward()
    for m, run in zip(counts, runs, strict=True):
        torch.testing.assert_close(run.outputs, outputs.detach(), **TOL)
        assert sorted(run.gradients) == sorted(n for n, _ in model.named_parameters())
        for name, p in model.named_parameters():
            torch.testing.assert_close(run.gradients[name], p.grad, **TOL, msg=f"{name}, M={m}")
        assert run.losses == pytest.approx([F.cross_entropy(outputs, y).item()], abs=1e-6)
        # a step of a 2-stage pipeline: both stages idle part of it; the theory's share
        (step,) = run.steps
        assert len(step.stage_bubble) == 2 and all(0 < b < 1 for b in step.stage_bubble)
        assert run.theoretical_bubble(2) == theoretical_bubble(2, m) == 1 / (m + 1)


@pytest.mark.parametrize(("stages", "schedule"), [(1, "gpipe"), (2, "gpipe"), (3, "1f1b")])
def test_sgd_steps_give_the_weights_of_unsplit_training(stages, schedule):
    model = tiny_model()
    batches = [batch(seed) for seed in range(3)]
    run = run_pipeline(model, batches, stages=stages, micro_batches=4, lr=0.5, schedule=schedule)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    losses = []
    for x, y in batches:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert run.losses == pytest.approx(losses, abs=1e-6)
    for name, p in model.named_parameters():
        torch.testing.assert_close(run.weights[name], p.detach(), **TOL, msg=name)
    assert len(run.steps) == 3 and all(len(s.stage_bubble) == stages for s in run.steps)
    # each stage timed its 4 forward and 4 backward passes in the steps after the first
    assert all(0 <= step.replayed_bubble < 1 for step in run.steps[1:])


@pytest.mark.parametrize("micro_batches", [0, -2, BATCH + 1, 3, 2.0])
def test_a_micro_batch_count_outside_the_batch_is_a_config_error_naming_it(micro_batches):
    with pytest.raises(ConfigError, match="micro_batches=.*Choose micro_batches among 1, 2, 4, 8"):
        run_pipeline(tiny_model(), [batch(0)], stages=2, micro_batches=micro_batches)


def test_stage_counts_and_schedules_outside_the_allowed_are_config_errors():
    with pytest.raises(ConfigError, match=r"stages=0 .*1\.\.6"):
        run_pipeline(tiny_model(), [batch(0)], stages=0, micro_batches=2)
    with pytest.raises(ConfigError, match=r"stages=7 .*1\.\.6"):
        run_pipeline(tiny_model(), [batch(0)], stages=7, micro_batches=2)
    with pytest.raises(ConfigError, match="schedule='zb'"):
        run_pipeline(tiny_model(), [batch(0)], stages=2, micro_batches=2, schedule="zb")
    with pytest.raises(ConfigError, match="micro_batches=2 is fewer than the 3 stages"):
        run_pipeline(tiny_model(), [batch(0)], stages=3, micro_batches=2, schedule="1f1b")


def test_a_stage_without_parameters_passes_its_activations_on():
    model = nn.Sequential(nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 3))
    x, y = torch.randn(BATCH, 6), torch.randint(0, 3, (BATCH,))
    run = run_pipeline(model, [(x, y)], stages=3, micro_batches=2, lr=0.1)  # the Tanh alone
    torch.testing.assert_close(run.outputs, model(x).detach(), **TOL)


def test_a_stage_that_fails_ends_the_run_with_a_message_and_no_process_left():
    x, _ = batch(0)
    bad_targets = torch.full((BATCH,), 7)  # no class 7: the last stage's loss raises
    cause = "stopped:\nworker 1 failed: IndexError: Target 7"  # the first cause first
    with pytest.raises(WorkerFailed, match=cause) as error:
        run_pipeline(tiny_model(), [(x, bad_targets)], stages=2, micro_batches=2, timeout=60)
    assert error.value.exit_code == 1


def test_the_replayed_schedule_with_equal_passes_has_the_theory_s_bubble():
    from learnlab.scale.pipeline_timing import replayed_bubble

    for stages, micro in [(1, 1), (2, 1), (2, 4), (3, 8), (4, 16)]:
        forward = [[1.0] * micro for _ in range(stages)]
        backward = [[2.0] * micro for _ in range(stages)]
        expected = theoretical_bubble(stages, micro)
        assert replayed_bubble(forward, backward) == pytest.approx(expected)
    # a slow second stage: the first waits for its backward passes, idling more than theory
    assert replayed_bubble([[1, 1], [3, 3]], [[1, 1], [3, 3]]) > theoretical_bubble(2, 2)
