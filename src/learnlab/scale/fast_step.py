"""Fast mode's training step for ReLU MLPs: forward and backward written out, into buffers kept
from step to step, instead of autograd.

For the plans that the step handles (Flatten, then Linear layers with ReLU between them, a
Linear last), with h_0 the flattened batch (K, B, d) and y the labels (K, B):

    a_i = relu(baddbmm(b_i, h_{i-1}, W_i))        every layer (no relu on the last: z = a_L),
                                                  W_i stored (K, in, out), as fast_mlp.py does
    loss_k = mean_b -log_softmax(z^T)[k, y, b]    on a (K, C, B) copy of z: along C, strided
    dz^T = log_softmax's backward of -onehot(y)/B  torch's kernel, as autograd calls it
    dW_i = h_{i-1}^T da_i,  db_i = sum_b da_i,  dh_{i-1} = da_i W_i^T * [a_{i-1} > 0]

the products, in the same layouts, that autograd runs for fast_mlp.py's forward pass and loss,
so the gradients are the same bit for bit (tests/scale/test_scale_fast_step.py) and so are the
trained weights (32 MNIST-1D MLPs, 3 epochs of Adam: torch.equal with the autograd step's).
What it saves: the autograd graph, fresh activations and gradients at every step (each product
writes into its buffer, out=), and, since the gradients are always the same tensors, the
optimizer's member-by-member argument lists, made once (batched_optim.py) instead of every
step. For 32 MNIST-1D MLPs (40-100-100-10, Adam, batch 64, one thread) 1.27x less CPU time per
3 epochs (0.69 s against 0.87 s, medians of 5, measured alternately on a shared machine).
Fewer passes over memory: the product is a bmm and the bias is added in the pass that follows
it (relu(a + b) in one kernel, `aten::_add_relu_`; the logits' bias in their transposed copy),
where baddbmm first copies the bias into every row of its output; each sum is rounded once,
as baddbmm rounds it. `correct` counts the right predictions from the (K, C, B) logits (the
maximum over C, vectorised across the batch) instead of an argmax along rows of 10.

Other plans (Tanh and the other activations, an activation last, inputs that are not flat
before the first layer) keep fast_mlp.py's autograd step: `FastStep.handles` says which.
"""

from __future__ import annotations

import torch
from torch import Tensor

from learnlab.scale.batched_mlp import Plan


def _layers(plan: Plan) -> list[tuple[str, bool]] | None:
    """[(Linear's name, ReLU after it)] when `plan` is Flatten*, (Linear ReLU?)*, Linear."""
    layers: list[tuple[str, bool]] = []
    for kind, detail in plan:
        if kind == "flatten" and not layers:
            continue
        if kind == "linear":
            layers.append((detail, False))
        elif kind == "relu" and layers and not layers[-1][1]:
            layers[-1] = (layers[-1][0], True)
        else:
            return None
    return layers if layers and not layers[-1][1] else None


class FastStep:
    """One training step of K stacked ReLU MLPs with hand-written derivatives.

    `tensors` are FastMLP's (name -> (K, ...), Linear weights as (K, in, out)); `trainable`
    names the ones to differentiate. `grads` (in the order of `trainable`) are written in place
    by every `__call__`; the caller's optimizer reads them.
    """

    def __init__(self, layers: list[tuple[str, bool]], tensors: dict[str, Tensor], trainable):
        self.layers = layers
        self.tensors = tensors
        self.grads = [torch.zeros_like(tensors[name]) for name in trainable]
        self._grad = dict(zip(trainable, self.grads, strict=True))
        self._buffers: dict[int, list[Tensor]] = {}  # batch size -> activations and their grads

    @classmethod
    def handles(cls, plan, tensors, trainable, x: Tensor) -> FastStep | None:
        """A FastStep for this plan and input x (N, ...), or None where autograd must do it."""
        layers = _layers(plan)
        if layers is None or not (x.dim() == 2 or plan[0][0] == "flatten"):
            return None
        return cls(layers, tensors, list(trainable))

    def _buffers_for(self, k: int, b: int, like: Tensor) -> list[Tensor]:
        """For batches of b examples: every layer's output (K, B, out), the gradients of the
        hidden ones, then as (K, C, B): the gradient of the logits, the logits, and the scaled
        one-hot labels whose log-softmax backward that gradient is."""
        if b not in self._buffers:
            widths = [self.tensors[f"{name}.weight"].shape[2] for name, _ in self.layers]
            shapes = [(k, b, w) for w in widths] + [(k, b, w) for w in widths[:-1]]
            shapes += [(k, widths[-1], b)] * 3
            self._buffers[b] = [like.new_empty(s) for s in shapes]
        return self._buffers[b]

    @torch.no_grad()
    def __call__(self, xb: Tensor, yb: Tensor) -> tuple[Tensor, Tensor]:
        """Gradients of sum_k loss_k into `grads`; returns the logits (K, B, C) and the (K,)
        mean cross-entropy of every member on its batch xb (K, B, ...), labels yb (K, B)."""
        k, b = yb.shape
        buffers = self._buffers_for(k, b, self.grads[0])
        n = len(self.layers)
        acts, dacts = buffers[:n], buffers[n : 2 * n]
        self._logits_t, onehot = buffers[2 * n], buffers[2 * n + 1]
        h = xb.reshape(k, b, -1)
        inputs = []  # what each layer multiplied
        for i, (name, relu) in enumerate(self.layers):
            inputs.append(h)
            h = self._linear(h, name, relu, acts[i], self._logits_t if i == n - 1 else None)
        losses = self._loss_gradient(self._logits_t, yb, onehot, dacts[-1])
        self._backward(inputs, acts, dacts)
        return self._logits_t.transpose(1, 2), losses

    def _linear(self, h: Tensor, name: str, relu: bool, out: Tensor, out_t: Tensor | None):
        """relu?(h W + b) into out (K, B, out); for the last layer (out_t given), h W + b also
        into out_t as (K, C, B). Each sum h W + b is rounded once, as baddbmm rounds it, so the
        values are autograd's; the bias is added in the pass that follows the product (the
        ReLU, or the transposed copy of the logits), not copied into `out` ahead of it."""
        weight, bias = self.tensors[f"{name}.weight"], self.tensors.get(f"{name}.bias")
        if bias is not None and (relu or out_t is not None):
            torch.bmm(h, weight, out=out)
            if relu:  # relu(out + b) in one pass
                return torch.ops.aten._add_relu_(out, bias.unsqueeze(1))
            torch.add(out.transpose(1, 2), bias.unsqueeze(2), out=out_t)
            return out_t.transpose(1, 2)
        if bias is None:
            torch.bmm(h, weight, out=out)
        else:
            torch.baddbmm(bias.unsqueeze(1), h, weight, out=out)
        if relu:
            out.relu_()
        if out_t is not None:  # a 20-kB copy that makes the softmax 7x faster
            out_t.copy_(out.transpose(1, 2))
        return out

    def correct(self, yb: Tensor) -> Tensor:
        """(K,) int64: how many of the last step's logits have their argmax at the label yb.

        argmax along C of the (K, C, B) logits is 4x slower than along the rows of (K, B, C),
        and that 4x slower than this: the maximum over C (vectorised across the batch), and
        whether the label's logit reaches it. argmax takes the first of tied maxima (and a NaN
        as the maximum); should any column hold a tie or a NaN, it decides."""
        logits_t, labels = self._logits_t, yb.unsqueeze(1)
        at_top = logits_t == logits_t.amax(1, keepdim=True)  # (K, C, B)
        if not bool((at_top.sum(1) == 1).all()):
            return (logits_t.argmax(1) == yb).sum(1)
        return at_top.gather(1, labels).sum((1, 2))

    @staticmethod
    def _loss_gradient(logits_t: Tensor, yb: Tensor, onehot: Tensor, out: Tensor) -> Tensor:
        """(K,) mean cross-entropy of the (K, C, B) logits; its gradient (K, C, B) into out.

        The gradient is torch's log_softmax backward of nll's: exp(log p) * (1/B) - onehot/B,
        so that it rounds as autograd's does in the sequential runs."""
        k, b = yb.shape
        log_p = torch.log_softmax(logits_t, 1)
        labels = yb.unsqueeze(1)  # (K, 1, B)
        # (K, B) per-example losses, then the mean of each row, as F.cross_entropy's rows are
        losses = log_p.gather(1, labels).view(k, b).mean(1).neg_()
        onehot.zero_().scatter_(1, labels, -1.0 / b)
        torch.ops.aten._log_softmax_backward_data.out(onehot, log_p, 1, out.dtype, out=out)
        return losses

    def _backward(self, inputs: list[Tensor], acts: list[Tensor], dacts: list[Tensor]) -> None:
        n = len(self.layers)
        first = min(  # layers before the first trainable tensor need no input gradient
            (i for i, (name, _) in enumerate(self.layers) if self._trains(name)), default=n
        )
        for i in range(n - 1, first - 1, -1):
            name = self.layers[i][0]
            g = dacts[i].transpose(1, 2) if i == n - 1 else dacts[i]  # (K, B, out)
            weight = self.tensors[f"{name}.weight"]
            if f"{name}.weight" in self._grad:
                torch.bmm(inputs[i].transpose(1, 2), g, out=self._grad[f"{name}.weight"])
            if f"{name}.bias" in self._grad:
                torch.sum(g, 1, out=self._grad[f"{name}.bias"])
            if i > first:
                torch.bmm(g, weight.transpose(1, 2), out=dacts[i - 1])
                if self.layers[i - 1][1]:  # relu: its output is positive where it passes
                    torch.ops.aten.threshold_backward(
                        dacts[i - 1], acts[i - 1], 0, grad_input=dacts[i - 1]
                    )

    def _trains(self, name: str) -> bool:
        return f"{name}.weight" in self._grad or f"{name}.bias" in self._grad
