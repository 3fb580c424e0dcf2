"""One linear layer for K stacked members, computing what nn.Linear computes for each, bit for bit.

For member k, nn.Linear's forward and backward on the CPU are (F.linear, then autograd):

    forward        y_k = addmm(b_k, h_k, W_k^T)
    grad input     g_k W_k                      grad weight   g_k^T h_k
    grad bias      sum of g_k over the batch

Here each of the four is computed for all K members at once (baddbmm, bmm, sum over a batch
axis), unless the batched kernel would round differently from the per-member one: the matrix
kernels pick their blocking by shape, and for some shapes (e.g. the 10 x 100 weight gradient
of an MNIST-1D MLP's output layer, from a batch of 64) the batched kernel sums in another order.
Such products are computed member by member instead. Which kernel agrees is measured once per
shape, dtype and device, against nn.Linear's own forward and backward on copies of random
tensors of that shape (kernel choice depends on shapes and layouts, not on values), and kept.

Why bits rather than a tolerance: a float32 run of Adam can be chaotic, a one-ulp change of
an MNIST-1D MLP's initial weights (seed 3, lr 1.1e-3) growing to 5e-2 in 3 epochs; a batched
ensemble stays within 1e-5 of the sequential runs only if it rounds as they do.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

PRODUCTS = ("forward", "grad_input", "grad_weight", "grad_bias")

# (product, K, B, in, out, has_bias, dtype, device) -> True: the batched kernel agrees bit for bit
_AGREES: dict[tuple, bool] = {}


def _batched(product: str, h: Tensor, weight: Tensor, bias: Tensor | None, grad: Tensor | None):
    if product == "forward":
        if bias is None:
            return torch.bmm(h, weight.transpose(1, 2))
        return torch.baddbmm(bias.unsqueeze(1), h, weight.transpose(1, 2))
    if product == "grad_input":
        return torch.bmm(grad, weight)
    if product == "grad_weight":
        return torch.bmm(grad.transpose(1, 2), h)
    return grad.sum(1)


def _member_by_member(
    product: str, h: Tensor, weight: Tensor, bias: Tensor | None, grad: Tensor | None
):
    k_range = range(weight.shape[0])
    if product == "forward":
        if bias is None:
            return torch.stack([torch.mm(h[k], weight[k].t()) for k in k_range])
        return torch.stack([torch.addmm(bias[k], h[k], weight[k].t()) for k in k_range])
    if product == "grad_input":
        return torch.stack([torch.mm(grad[k], weight[k]) for k in k_range])
    if product == "grad_weight":
        return torch.stack([torch.mm(grad[k].t(), h[k]) for k in k_range])
    return torch.stack([grad[k].sum(0) for k in k_range])


def _nn_linear_reference(h: Tensor, weight: Tensor, bias: Tensor | None, grad: Tensor):
    """Per member, on fresh copies: F.linear's output and autograd's three gradients."""
    outputs: dict[str, list[Tensor]] = {name: [] for name in PRODUCTS}
    for k in range(weight.shape[0]):
        hk = h[k].clone().requires_grad_()
        wk = weight[k].clone().requires_grad_()
        bk = bias[k].clone().requires_grad_() if bias is not None else None
        out = F.linear(hk, wk, bk)
        inputs = (hk, wk) if bk is None else (hk, wk, bk)
        grads = torch.autograd.grad(out, inputs, grad[k].clone())
        outputs["forward"].append(out.detach())
        outputs["grad_input"].append(grads[0])
        outputs["grad_weight"].append(grads[1])
        if bk is not None:
            outputs["grad_bias"].append(grads[2])
    return {name: torch.stack(v) for name, v in outputs.items() if v}


def _calibrate(key: tuple) -> None:
    """Decide, for every product of this shape, whether the batched kernel agrees."""
    _, k, b, n_in, n_out, has_bias, dtype, device = key
    g = torch.Generator().manual_seed(0)

    def rand(*shape):
        return torch.randn(*shape, generator=g, dtype=dtype).to(device)

    h, weight, grad = rand(k, b, n_in), rand(k, n_out, n_in), rand(k, b, n_out)
    bias = rand(k, n_out) if has_bias else None
    with torch.enable_grad():
        reference = _nn_linear_reference(h, weight, bias, grad)
    with torch.no_grad():
        for product, want in reference.items():
            got = _batched(product, h, weight, bias, grad)
            _AGREES[(product, *key[1:])] = bool(torch.equal(got, want))


def product(
    name: str,
    h: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    grad: Tensor | None,
    has_bias: bool | None = None,
):
    """One of PRODUCTS for all members: batched where that agrees with nn.Linear, else looped.

    `has_bias` (default: whether `bias` is given) picks the shape's entry: the layer's
    gradients are calibrated with or without its bias, and only the forward needs its values.
    """
    k, b, n_in = h.shape
    has_bias = bias is not None if has_bias is None else has_bias
    key = (name, k, b, n_in, weight.shape[1], has_bias, h.dtype, h.device)
    if key not in _AGREES:
        _calibrate(key)
    compute = _batched if _AGREES[key] else _member_by_member
    return compute(name, h, weight, bias, grad)


class BatchedLinear(torch.autograd.Function):
    """h W^T + b for K members at once: (K, B, d) inputs, (K, d', d) weights, (K, d') biases,
    forward and backward as nn.Linear computes them for each member (first derivatives only).

    Example:
        >>> h, w, b = torch.randn(3, 5, 4), torch.randn(3, 2, 4), torch.randn(3, 2)
        >>> out = BatchedLinear.apply(h, w, b)
        >>> torch.equal(out[1], torch.nn.functional.linear(h[1].clone(), w[1].clone(), b[1]))
        True
    """

    @staticmethod
    def forward(ctx, h: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        ctx.save_for_backward(h, weight)
        ctx.has_bias = bias is not None
        return product("forward", h, weight, bias, None)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad: Tensor):
        h, weight = ctx.saved_tensors
        need_h, need_weight, need_bias = ctx.needs_input_grad
        grad = grad.contiguous()

        def gradient(name: str) -> Tensor:
            return product(name, h, weight, None, grad, has_bias=ctx.has_bias)

        grad_h = gradient("grad_input") if need_h else None
        grad_weight = gradient("grad_weight") if need_weight else None
        grad_bias = gradient("grad_bias") if ctx.has_bias and need_bias else None
        return grad_h, grad_weight, grad_bias
