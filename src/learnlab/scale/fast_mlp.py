"""BatchedEnsemble's fast mode: the same training of K plain MLPs, rounded differently.

`BatchedEnsemble(..., mode="exact")` (the default) makes every member bit-identical to its
sequential Trainer run, which costs time: products whose batched kernel would sum in another
order than nn.Linear's are computed member by member (batched_linear.py), through a custom
autograd Function. `mode="fast"` gives those bits up. Each member still runs the same
algorithm on the same batches from the same initialisation, so in float64 it equals its
sequential run to rounding (1e-16 after 2 epochs of a small MLP in the tests, which allow
1e-10); in float32 it drifts from it by rounding, which chaotic runs amplify
(benchmarks/ensembles.py reports the drift after 1 step, 1 epoch and 3 epochs).
What differs:

- layout: every Linear weight is kept transposed, as a contiguous (K, in, out) tensor, so that
  the forward product is baddbmm(b, h, W^T) with no transposed operand, and the weight gradient
  bmm(h^T, g) comes out in the stored layout (no copy); `params_` shows (K, out, in) views of it;
- products: every product is one batched kernel for all K members (baddbmm / bmm), whatever
  the shape, differentiated by autograd, or for ReLU MLPs by fast_step.py's hand-written
  backward pass into buffers kept from step to step (the same numbers, bit for bit, 1.3x less
  CPU time per epoch of 32 MNIST-1D MLPs); no calibration, no member-by-member loop;
- loss: F.cross_entropy on the (K, C, B) view of the logits (`FastMLP.losses`).

The optimizer is torch's fused kernel as in exact mode, but called once on the whole stacked
tensors (batched_optim.py's `stacked=True`): with distinct learning rates on u = p / lr_k with
lr 1, then p = lr_k u, which is the same update rounded differently. Exact mode calls it once
per distinct learning rate on the members' slices, 192 tensors for 32 MNIST-1D MLPs, each a
parallel region of its own with 2 threads; the stacked call has 6 (and 6 products lr_k u).
With weight decay (which would read u) or masks (which change p outside the optimizer) fast
mode keeps exact mode's calls. Plain tensor ops on the stacked (K, ...) tensors with the
learning rates as a (K, 1, 1) tensor (one call for all members) were measured and are slower
on the CPU, since they pass over memory 5 or more times where the fused kernel passes once: per
Adam step of 32 members on the shared 2-core CPU, 3.5 ms against 0.8-1.2 ms for MNIST-1D MLPs,
about 150 ms against 21-34 ms for LeNet-300-100s; torch._foreach ops took 1.1 ms for the
MNIST-1D MLPs. Also measured, for 32 MNIST-1D MLPs on one core: Adam called per layer as soon
as the backward pass has that layer's gradients (while they are in the cache, as
register_post_accumulate_grad_hook would) needs 3 calls per member instead of 1, and took 0.52
ms per step against 0.42 ms; one call for all members (equal learning rates only) 0.28 ms.

Only plain MLPs are supported: an `nn.Sequential` of `Flatten`, `Linear` and elementwise
activations (batched_mlp.py's plan). Other models (batch norm, convolutions, anything that
takes vmap) raise a ConfigError that names the module and says to use mode="exact".
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from learnlab.io.errors import ConfigError
from learnlab.scale.batched_mlp import ELEMENTWISE, Plan
from learnlab.scale.fast_step import FastStep

MODES: tuple[str, ...] = ("exact", "fast")


def unsupported_module(model: nn.Module) -> str:
    """Why `model` is no plain MLP (for the error message): its first module that is not one."""
    if not isinstance(model, nn.Sequential) or type(model).forward is not nn.Sequential.forward:
        return f"the model is a {type(model).__name__}, not an nn.Sequential"
    for name, module in model.named_children():
        plain = (
            (isinstance(module, nn.Linear) and type(module).forward is nn.Linear.forward)
            or (type(module) is nn.Flatten and (module.start_dim, module.end_dim) == (1, -1))
            or type(module) in (nn.ReLU, *ELEMENTWISE)
        )
        if not plain:
            return f"module {name!r} is a {type(module).__name__}"
    return "the model is not a plain MLP"


class FastMLP:
    """The tensors of K stacked plain MLPs in the fast layout, and their forward pass.

    `params` (trainable) and `frozen` (name -> (K, ...) tensors, nn.Linear's layout) are
    copied: Linear weights to contiguous (K, in, out) tensors, the others as they are.
    `trainable` lists the tensors to differentiate and update, in the order of `params`;
    `public()` gives them in nn.Linear's layout, sharing their memory.
    """

    def __init__(
        self,
        plan: Plan | None,
        model: nn.Module,
        params: dict[str, Tensor],
        frozen: dict[str, Tensor],
    ) -> None:
        if plan is None:
            raise ConfigError(
                f"mode='fast' supports plain MLPs only (an nn.Sequential of Flatten, Linear "
                f"and elementwise activations), and {unsupported_module(model)}. Use "
                "mode='exact' (the default) for this model."
            )
        self.plan = plan
        self.transposed = {f"{name}.weight" for kind, name in plan if kind == "linear"}
        self.tensors = {
            name: t.detach().transpose(1, 2).contiguous()
            if name in self.transposed
            else t.detach().clone()
            for name, t in {**params, **frozen}.items()
        }
        self.trainable = [self.tensors[name].requires_grad_() for name in params]
        self._names = list(params)

    def public(self) -> dict[str, Tensor]:
        """Trainable name -> tensor in nn.Linear's layout, sharing memory with `trainable`."""
        return {
            name: t.detach().transpose(1, 2) if name in self.transposed else t.detach()
            for name, t in zip(self._names, self.trainable, strict=True)
        }

    def manual_step(self, x: Tensor) -> FastStep | None:
        """The hand-written training step (fast_step.py) for inputs like x, where it applies."""
        return FastStep.handles(self.plan, self.tensors, self._names, x)

    @staticmethod
    def losses(logits: Tensor, y: Tensor) -> Tensor:
        """(K,) mean cross-entropy of (K, B, C) logits against (K, B) labels.

        On the (K, C, B) view, so that the softmax runs along a strided dimension: with C = 10
        classes, 4x faster (forward and backward, 32 x 64 rows) than along the rows, whose
        vector loop is longer than a row."""
        return F.cross_entropy(logits.transpose(1, 2), y, reduction="none").mean(1)

    def forward(self, x: Tensor, shared: bool) -> Tensor:
        """(K, B, C) outputs of the members on their batches x (K, B, ...), or on one (B, ...).

        A shared batch is not copied K times: up to the first Linear layer it has no members'
        dimension, and that layer is one matrix product with the K weights side by side."""
        k = next(iter(self.tensors.values())).shape[0]
        h, stacked = x, not shared  # stacked: h has the members' dimension in front
        fresh = False  # h is a product's own output: an activation may overwrite it
        for kind, detail in self.plan:
            if kind == "flatten":
                h = h.flatten(2 if stacked else 1)
            elif kind == "linear":
                weight = self.tensors[f"{detail}.weight"]  # (K, in, out)
                bias = self.tensors.get(f"{detail}.bias")
                if not stacked and h.dim() == 2:
                    h, stacked = _shared_linear(h, weight, bias), True
                    fresh = False  # a transposed view
                    continue
                if not stacked:
                    h, stacked = h.unsqueeze(0).expand(k, *h.shape), True
                shape = h.shape  # (K, B, d); Linear also takes (K, B, T, d)
                flat = h if h.dim() == 3 else h.reshape(k, -1, shape[-1])
                h = flat.bmm(weight) if bias is None else bias.unsqueeze(1).baddbmm(flat, weight)
                fresh = len(shape) == 3  # in place on a view, autograd would copy the base
                if not fresh:
                    h = h.view(*shape[:-1], weight.shape[2])
                continue
            elif kind == "relu":
                # baddbmm's backward does not read its output; relu's reads only the result
                h = h.relu_() if fresh else h.relu()
            else:
                h = detail(h)
            fresh = False
        return h if stacked else h.unsqueeze(0).expand(k, *h.shape)


def _shared_linear(h: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """(K, B, out) = h W_k + b_k for one batch h (B, in) and K weights (K, in, out): one mm."""
    k, n_in, n_out = weight.shape
    side_by_side = weight.transpose(0, 1).reshape(n_in, k * n_out)
    out = h.mm(side_by_side) if bias is None else bias.reshape(-1).addmm(h, side_by_side)
    return out.view(len(h), k, n_out).transpose(0, 1)
