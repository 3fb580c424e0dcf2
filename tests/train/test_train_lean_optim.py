"""LeanAdam / LeanAdamW against their oracle: torch's fused Adam / AdamW, bit for bit."""

from __future__ import annotations

import copy

import pytest
import torch

from learnlab.train.lean_optim import LeanAdam, LeanAdamW


def model_and_data(dtype=torch.float32, seed=0):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3)).to(
        dtype
    )
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(40, 6, generator=g, dtype=dtype), torch.randint(0, 3, (40,), generator=g)
    return model, x, y


def train(opt_class, options, steps=25, dtype=torch.float32, groups=None, skip_bias_at=()):
    model, x, y = model_and_data(dtype)
    params = groups(model) if groups else model.parameters()
    opt = opt_class(params, **options)
    for step in range(steps):
        opt.zero_grad(set_to_none=True)
        torch.nn.functional.cross_entropy(model(x[step % 4 :: 4]), y[step % 4 :: 4]).backward()
        if step in skip_bias_at:  # a parameter without a gradient: Adam must skip it
            model[2].bias.grad = None
        opt.step()
    return [p.detach().clone() for p in model.parameters()], opt


CASES = [
    (LeanAdam, torch.optim.Adam, {"lr": 1e-2}),
    (LeanAdam, torch.optim.Adam, {"lr": 3e-3, "betas": (0.7, 0.9), "weight_decay": 1e-2}),
    (LeanAdam, torch.optim.Adam, {"lr": 1e-2, "amsgrad": True, "eps": 1e-6}),
    (LeanAdam, torch.optim.Adam, {"lr": 1e-2, "maximize": True}),
    (LeanAdamW, torch.optim.AdamW, {"lr": 1e-2, "weight_decay": 0.1}),
    (LeanAdamW, torch.optim.AdamW, {"lr": 1e-2, "weight_decay": 0.1, "amsgrad": True}),
]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize(("lean", "oracle", "options"), CASES)
def test_weights_are_bit_identical_to_torch_fused(lean, oracle, options, dtype):
    got, _ = train(lean, options, dtype=dtype)
    want, _ = train(oracle, {**options, "fused": True}, dtype=dtype)
    start = [p.detach() for p in model_and_data(dtype)[0].parameters()]
    assert any(not torch.equal(w, s) for w, s in zip(want, start, strict=True))
    for g, w in zip(got, want, strict=True):
        assert torch.equal(g, w)


def test_groups_with_their_own_settings_and_skipped_parameters_match():
    def groups(model):
        return [
            {"params": model[0].parameters(), "lr": 5e-3, "weight_decay": 0.05},
            {"params": model[2].parameters()},
        ]

    got, lean = train(LeanAdamW, {"lr": 1e-2}, groups=groups, skip_bias_at=(3, 4, 10))
    want, torch_opt = train(
        torch.optim.AdamW, {"lr": 1e-2, "fused": True}, groups=groups, skip_bias_at=(3, 4, 10)
    )
    for g, w in zip(got, want, strict=True):
        assert torch.equal(g, w)
    # the step counts agree too: the skipped bias took 22 steps, the others 25
    counts = [float(lean.state[p]["step"]) for p in lean.param_groups[1]["params"]]
    assert counts == [25.0, 22.0]
    torch_params = torch_opt.param_groups[1]["params"]
    assert counts == [float(torch_opt.state[p]["step"]) for p in torch_params]


def test_state_dict_round_trip_continues_identically():
    model, x, y = model_and_data()
    opt = LeanAdam(model.parameters(), lr=1e-2)

    def step(m, o):
        o.zero_grad()
        torch.nn.functional.cross_entropy(m(x), y).backward()
        o.step()

    for _ in range(3):
        step(model, opt)
    twin, _, _ = model_and_data()
    twin.load_state_dict(model.state_dict())
    twin_opt = LeanAdam(twin.parameters(), lr=1e-2)
    # a copy, as from a checkpoint: torch would share the live state's tensors otherwise
    twin_opt.load_state_dict(copy.deepcopy(opt.state_dict()))
    for _ in range(4):
        step(model, opt)
        step(twin, twin_opt)
    for a, b in zip(model.parameters(), twin.parameters(), strict=True):
        assert torch.equal(a, b)


def test_step_hooks_still_run_and_a_closure_is_evaluated():
    model, x, y = model_and_data()
    opt = LeanAdam(model.parameters(), lr=1e-2)
    calls = []
    opt.register_step_pre_hook(lambda *_: calls.append("pre"))
    opt.register_step_post_hook(lambda *_: calls.append("post"))

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        return loss

    for _ in range(2):
        loss = opt.step(closure)
    assert isinstance(loss, torch.Tensor)
    opt.step()  # the short path, with the gradients the closure left
    assert calls == ["pre", "post"] * 3
