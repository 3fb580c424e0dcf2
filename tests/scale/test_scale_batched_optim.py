"""BatchedOptimizer against torch's optimizers, member by member: fused path bit for bit, formulas
to rounding; odd sizes (vector-loop tails) and transposed gradients included."""

from __future__ import annotations

import pytest
import torch

from learnlab.scale.batched_optim import BatchedOptimizer

K = 5
SHAPES = [(K, 12, 7), (K, 21), (K, 3, 16)]  # 84, 21 and 48 elements per member
LRS = [0.05, 0.02, 0.05, 0.1, 0.03]  # two members share a learning rate
WDS = [0.0, 0.01, 0.0, 0.05, 0.02]
MOMENTA = [0.9, 0.0, 0.9, 0.5, 0.95]


def torch_optimizer(name, params, k, fused):
    kernel = {"fused": True} if fused else {"foreach": False}
    if name in ("sgd", "momentum"):
        momentum = MOMENTA[k] if name == "momentum" else 0.0
        return torch.optim.SGD(params, lr=LRS[k], momentum=momentum, weight_decay=WDS[k], **kernel)
    cls = torch.optim.Adam if name == "adam" else torch.optim.AdamW
    return cls(params, lr=LRS[k] / 10, weight_decay=WDS[k], **kernel)


def run(name, fused, steps=6, dtype=torch.float32):
    g = torch.Generator().manual_seed(0)
    start = [torch.randn(s, generator=g, dtype=dtype) for s in SHAPES]
    grads = [[torch.randn(s, generator=g, dtype=dtype) for s in SHAPES] for _ in range(steps)]
    # the last parameter's gradient arrives transposed, as autograd.grad may give it (torch's
    # sequential optimizers get gradients in their parameter's layout)
    transposed = [
        [
            g.transpose(1, 2).contiguous().transpose(1, 2) if i == 2 else g
            for i, g in enumerate(step)
        ]
        for step in grads
    ]
    lrs = LRS if name in ("sgd", "momentum") else [lr / 10 for lr in LRS]
    stacked = [p.clone() for p in start]
    momenta = MOMENTA if name == "momentum" else [0.0] * K
    opt = BatchedOptimizer(
        name,
        stacked,
        lr=torch.tensor(lrs, dtype=torch.float64),
        momentum=torch.tensor(momenta, dtype=torch.float64),
        weight_decay=torch.tensor(WDS, dtype=torch.float64),
        fused=fused,
    )
    for step in transposed:
        opt.step(step)
    members = []
    for k in range(K):
        params = [torch.nn.Parameter(p[k].clone()) for p in start]
        reference = torch_optimizer(name, params, k, fused is not False)
        for step in grads:
            for p, grad in zip(params, step, strict=True):
                p.grad = grad[k].clone()
            reference.step()
        members.append([p.detach() for p in params])
    return stacked, members, start


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam", "adamw"])
def test_fused_path_is_bit_identical_to_torch_fused(name):
    stacked, members, start = run(name, fused=None)
    for k in range(K):
        for p, want, p0 in zip(stacked, members[k], start, strict=True):
            assert torch.equal(p[k], want)
            assert not torch.equal(want, p0[k])


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam", "adamw"])
def test_formulas_match_torch_to_rounding(name):
    stacked, members, _ = run(name, fused=False, dtype=torch.float64)
    for k in range(K):
        for p, want in zip(stacked, members[k], strict=True):
            torch.testing.assert_close(p[k], want, rtol=1e-12, atol=1e-12)


def test_fused_needs_floating_point_parameters():
    opt = BatchedOptimizer(
        "sgd", [torch.zeros(2, 3, dtype=torch.int64)], lr=torch.ones(2), fused=True
    )
    with pytest.raises(ValueError, match="floating-point"):
        opt.step([torch.zeros(2, 3, dtype=torch.int64)])


@pytest.mark.parametrize("name", ["momentum", "adamw"])
def test_persistent_gradients_overwritten_in_place_update_as_fresh_ones(name):
    """persistent=True (fast mode's FastStep): the same gradient tensors at every step, their
    values overwritten in place; the argument lists made at the first step must see the new
    values, and the result equal the plain path's bit for bit. A new set of tensors (another
    list) must not be served the old lists."""
    stacked, _, start = run(name, fused=None)  # the plain path, fresh gradients every step
    g = torch.Generator().manual_seed(0)
    [torch.randn(s, generator=g) for s in SHAPES]  # run's draws, in run's order
    steps = [[torch.randn(s, generator=g) for s in SHAPES] for _ in range(6)]
    lrs = LRS if name == "momentum" else [lr / 10 for lr in LRS]
    params = [p.clone() for p in start]
    opt = BatchedOptimizer(
        name,
        params,
        lr=torch.tensor(lrs, dtype=torch.float64),
        momentum=torch.tensor(MOMENTA if name == "momentum" else [0.0] * K, dtype=torch.float64),
        weight_decay=torch.tensor(WDS, dtype=torch.float64),
    )
    kept = [torch.empty(s) for s in SHAPES]
    for i, step in enumerate(steps):
        if i == 3:  # another set of tensors half-way: the lists must be made again
            kept = [torch.empty(s) for s in SHAPES]
        for buffer, grad in zip(kept, step, strict=True):
            buffer.copy_(grad)
        opt.step(kept, persistent=True)
    for p, want in zip(params, stacked, strict=True):
        assert torch.equal(p, want)


def stacked_run(name, lrs, momentum, steps=6, weight_decay=0.0):
    """stacked=True in float64 against torch's fused optimizers, member by member."""
    g = torch.Generator().manual_seed(2)
    dtype = torch.float64
    start = [torch.randn(s, generator=g, dtype=dtype) for s in SHAPES]
    grads = [[torch.randn(s, generator=g, dtype=dtype) for s in SHAPES] for _ in range(steps)]
    params = [p.clone() for p in start]
    opt = BatchedOptimizer(
        name,
        params,
        lr=torch.tensor(lrs, dtype=dtype),
        momentum=torch.full((K,), momentum, dtype=dtype),
        weight_decay=torch.full((K,), weight_decay, dtype=dtype),
        stacked=True,
    )
    kept = [torch.empty(s, dtype=dtype) for s in SHAPES]  # fast mode's persistent gradients
    for step in grads:
        for buffer, grad in zip(kept, step, strict=True):
            buffer.copy_(grad)
        opt.step(kept, persistent=True)
    for k in range(K):
        member = [torch.nn.Parameter(p[k].clone()) for p in start]
        if name in ("sgd", "momentum"):
            reference = torch.optim.SGD(
                member, lr=lrs[k], momentum=momentum, weight_decay=weight_decay, fused=True
            )
        else:
            cls = torch.optim.Adam if name == "adam" else torch.optim.AdamW
            reference = cls(member, lr=lrs[k], weight_decay=weight_decay, fused=True)
        for step in grads:
            for p, grad in zip(member, step, strict=True):
                p.grad = grad[k].clone()
            reference.step()
        for p, want, p0 in zip(params, member, start, strict=True):
            torch.testing.assert_close(p[k], want.detach(), rtol=1e-12, atol=1e-13)
            assert not torch.equal(p[k], p0[k])
    return opt


@pytest.mark.parametrize(
    ("name", "momentum"), [("sgd", 0.0), ("momentum", 0.9), ("adam", 0.0), ("adamw", 0.0)]
)
@pytest.mark.parametrize("distinct", [True, False])
def test_stacked_path_matches_torch_to_rounding(name, momentum, distinct):
    """stacked=True (fast mode): one kernel call on the whole stacked tensors; with distinct
    learning rates on u = p / lr_k with lr 1, then p = lr_k u. Each member must still follow
    its own torch optimizer (float64: to rounding)."""
    lrs = [lr / 10 for lr in LRS] if distinct else [0.004] * K
    opt = stacked_run(name, lrs, momentum)
    assert opt._stacked and (opt._scaled is not None) == distinct


def test_stacked_falls_back_to_per_member_calls_with_weight_decay():
    """u = p / lr_k would feed the kernel's weight decay u instead of p: per-member calls."""
    opt = stacked_run("adamw", [lr / 10 for lr in LRS], 0.0, weight_decay=0.01)
    assert not opt._stacked and opt._scaled is None
