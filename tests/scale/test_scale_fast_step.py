"""FastStep (fast mode's hand-written training step) against its oracle: autograd on FastMLP's
forward pass and loss, the step it replaces. Same products in the same layout, and torch's own
log_softmax backward: the gradients must be equal bit for bit, not merely close."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.func import stack_module_state

from learnlab.models import build_model
from learnlab.scale.batched_mlp import plain_mlp_plan
from learnlab.scale.ensemble import BatchedEnsemble
from learnlab.scale.fast_mlp import FastMLP
from learnlab.scale.fast_step import FastStep

K = 3


def stacked(build, frozen=()):
    models = []
    for seed in range(K):
        torch.manual_seed(seed)
        models.append(build())
    params, _ = stack_module_state(models)
    trainable = {n: p for n, p in params.items() if n not in frozen}
    fixed = {n: p for n, p in params.items() if n in frozen}
    return FastMLP(plain_mlp_plan(models[0]), models[0], trainable, fixed)


def no_bias_relu_mlp():
    return nn.Sequential(
        nn.Flatten(), nn.Linear(12, 9, bias=False), nn.ReLU(), nn.Linear(9, 7), nn.ReLU(),
        nn.Linear(7, 4, bias=False),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("build", "frozen", "batch"),
    [
        (lambda: build_model("mlp", (1, 12), 4, depth=2, width=9), (), 16),
        (lambda: build_model("mlp", (1, 12), 4, depth=2, width=9), ("fc1.weight",), 5),
        (no_bias_relu_mlp, ("fc2.bias",), 11),
        (no_bias_relu_mlp, (), 1),
    ],
)
def test_gradients_logits_and_losses_equal_autograd_bit_for_bit(build, frozen, batch):
    fast = stacked(build, frozen)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(50, 1, 12, generator=g)
    xb = x[torch.randint(0, 50, (K, batch), generator=g)]  # (K, B, 1, 12)
    yb = torch.randint(0, 4, (K, batch), generator=g)
    logits = fast.forward(xb, shared=False)
    losses = fast.losses(logits, yb)
    want = torch.autograd.grad(losses.sum(), fast.trainable)
    step = fast.manual_step(x)
    assert isinstance(step, FastStep)
    for _ in range(2):  # the second call reuses the buffers of the first
        got_logits, got_losses = step(xb, yb)
        assert torch.equal(got_logits, logits.detach())
        torch.testing.assert_close(got_losses, losses.detach(), rtol=1e-6, atol=0)
        for name, got, grad in zip(fast._names, step.grads, want, strict=True):
            assert torch.equal(got, grad), name
            assert got.abs().sum() > 0, name  # a gradient that is really there
    assert len(step.grads) == len(fast.trainable)  # none for the frozen tensors


@pytest.mark.parametrize(
    ("layers", "manual"),
    [
        ([nn.Flatten(), nn.Linear(40, 8), nn.ReLU(), nn.Linear(8, 10)], True),
        ([nn.Flatten(), nn.Linear(40, 8), nn.Tanh(), nn.Linear(8, 10)], False),
        ([nn.Flatten(), nn.Linear(40, 10), nn.ReLU()], False),  # an activation last
        # the first Linear gets (N, 1, 40): a Flatten after it
        ([nn.Linear(40, 8), nn.ReLU(), nn.Flatten(), nn.Linear(8, 10)], False),
    ],
)
def test_relu_mlps_take_the_hand_written_step_and_others_autograd(layers, manual):
    x, y = torch.randn(20, 1, 40), torch.randint(0, 10, (20,))
    ens = BatchedEnsemble(lambda: nn.Sequential(*layers), [0, 1], mode="fast", device="cpu")
    ens.fit(x, y, epochs=1, batch_size=8)
    assert bool(ens._manual) == manual
    assert ens.history_[0]["train_loss"].isfinite().all()


@pytest.mark.parametrize("case", ["plain", "ties", "nan"])
def test_correct_counts_equal_argmax_with_ties_and_nans(case):
    """FastStep.correct (the maximum over classes on the (K, C, B) logits) against argmax on
    the (K, B, C) logits that it replaces: argmax takes the first of tied maxima and a NaN."""
    fast = stacked(lambda: build_model("mlp", (1, 12), 4, depth=2, width=9))
    g = torch.Generator().manual_seed(3)
    x = torch.randn(50, 1, 12, generator=g)
    xb = x[torch.randint(0, 50, (K, 40), generator=g)]
    yb = torch.randint(0, 4, (K, 40), generator=g)
    step = fast.manual_step(x)
    logits, _ = step(xb, yb)
    if case != "plain":  # overwrite the kept logits: some columns tie or hold a NaN
        tied = step._logits_t
        tied[:, :, ::3] = torch.randint(0, 2, tied[:, :, ::3].shape, generator=g).float()
        if case == "nan":
            tied[0, 2, 1] = float("nan")
        logits = tied.transpose(1, 2)
    want = (logits.argmax(-1) == yb).sum(1)
    assert torch.equal(step.correct(yb), want)
    assert 0 < int(want.sum()) < want.numel() * 40  # some right, some wrong
