"""BatchedLinear against its oracle, nn.Linear member by member: output and gradients, bitwise."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from learnlab.scale import batched_linear
from learnlab.scale.batched_linear import BatchedLinear

# (K, B, in, out): MNIST-1D MLP layers, the 10-logit output layer, a partial last batch
SHAPES = [(6, 64, 40, 100), (6, 64, 100, 10), (6, 56, 100, 10), (3, 5, 4, 2)]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize(("k", "b", "n_in", "n_out"), SHAPES)
def test_forward_and_gradients_are_nn_linears_bit_for_bit(k, b, n_in, n_out, bias):
    g = torch.Generator().manual_seed(1)
    h = torch.randn(k, b, n_in, generator=g, requires_grad=True)
    weight = torch.randn(k, n_out, n_in, generator=g, requires_grad=True)
    b_ = torch.randn(k, n_out, generator=g, requires_grad=True) if bias else None
    upstream = torch.randn(k, b, n_out, generator=g)
    out = BatchedLinear.apply(h, weight, b_)
    inputs = (h, weight, b_) if bias else (h, weight)
    grads = torch.autograd.grad(out, inputs, upstream)
    for m in range(k):
        hm = h[m].detach().clone().requires_grad_()
        wm = weight[m].detach().clone().requires_grad_()
        bm = b_[m].detach().clone().requires_grad_() if bias else None
        ref = F.linear(hm, wm, bm)
        ref_grads = torch.autograd.grad(ref, (hm, wm, bm) if bias else (hm, wm), upstream[m])
        assert torch.equal(out[m], ref)
        for got, want in zip(grads, ref_grads, strict=True):
            assert torch.equal(got[m], want)


def test_each_choice_is_recorded_once_per_shape():
    h, w = torch.randn(2, 3, 4), torch.randn(2, 5, 4)
    BatchedLinear.apply(h.requires_grad_(), w.requires_grad_(), None).sum().backward()
    keys = [key for key in batched_linear._AGREES if key[1:5] == (2, 3, 4, 5)]
    assert sorted(key[0] for key in keys) == ["forward", "grad_input", "grad_weight"]


def test_relu_in_place_on_the_output_keeps_gradients_right():
    g = torch.Generator().manual_seed(2)
    h = torch.randn(2, 8, 3, generator=g, requires_grad=True)
    w = torch.randn(2, 4, 3, generator=g, requires_grad=True)
    BatchedLinear.apply(h, w, None).relu_().sum().backward()
    for m in range(2):
        hm, wm = h[m].detach().requires_grad_(), w[m].detach().requires_grad_()
        F.linear(hm, wm).relu().sum().backward()
        torch.testing.assert_close(w.grad[m], wm.grad)
        torch.testing.assert_close(h.grad[m], hm.grad)
