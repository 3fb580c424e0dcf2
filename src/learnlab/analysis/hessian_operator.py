"""The Hessian of a loss closure as a linear operator on flat vectors, the one thing the
closure-based estimators (lanczos, hutchinson, spectral_density) build on.

The closure is torch.optim.LBFGS's: no arguments, returns the scalar loss of the current
parameters. The operator evaluates it once and keeps the graph of its gradient (built with
`create_graph=True`), so each product H v afterwards is one backward pass through that graph
(Pearlmutter 1994: H v is the gradient of grad L . v), not a fresh forward and backward. All
products therefore see the same evaluation of the closure, even one that draws a batch or uses
dropout. Memory: the retained graph (the activations of one gradient computation) plus a few
flat vectors of the parameters' size.

Measured on LeNet-5 over 1,000 MNIST images (benchmarks/hessian.py, one thread): a product on
the kept graph costs about 2.1-2.2 gradients. From scratch, double backward costs about 3.3
(PyTorch's convolution double backward also computes the unused gradient of the first layer's
input, a transposed convolution that took half of a product's time in torch.profiler), forward
over reverse (torch.func) about 2.8 and reverse over forward about 2.4; those two need an
nn.Module (functional_call), and since the estimators pay the kept-graph product at each step,
double backward is kept: any closure works.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch

from learnlab.io.errors import ConfigError

Closure = Callable[[], torch.Tensor]


def checked_params(params: Iterable[torch.Tensor]) -> list[torch.Tensor]:
    """`params` as a list; a ConfigError if it is empty or holds a tensor needing no grad."""
    if isinstance(params, torch.Tensor):
        params = [params]
    listed = list(params)
    if not listed:
        raise ConfigError(
            "params is empty: pass the list of tensors the closure's loss depends on, "
            "e.g. list(model.parameters()) of a model that has parameters."
        )
    for i, p in enumerate(listed):
        if not isinstance(p, torch.Tensor) or not p.requires_grad:
            raise ConfigError(
                f"params[{i}] is not a tensor that requires grad: pass the parameters the "
                "loss is differentiated with respect to (p.requires_grad_(True))."
            )
    return listed


def checked_loss(closure: Closure, what: str = "closure") -> torch.Tensor:
    """The closure's loss with gradient tracking on; a ConfigError unless it is a scalar tensor
    that needs a gradient. `what` names the argument the loss came from in the message."""
    if not callable(closure):
        raise ConfigError(f"{what} must be a function of no arguments, not {type(closure)}.")
    with torch.enable_grad():
        loss = closure()
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
        shape = tuple(loss.shape) if isinstance(loss, torch.Tensor) else type(loss).__name__
        raise ConfigError(
            f"{what} returned {shape}, not a scalar loss: reduce it (e.g. .mean()) so that it "
            "gives one number, as torch.optim.LBFGS's closure does."
        )
    if not loss.requires_grad:
        raise ConfigError(
            f"{what} returned a loss that needs no gradient (computed under torch.no_grad, or "
            "from detached tensors): compute it from the parameters with gradients on."
        )
    return loss.reshape(())


class HessianOperator:
    """v -> H v for flat vectors v of the parameters' total size (their dtype and device).

    Example:
        >>> w = torch.tensor([1.0, 2.0], requires_grad=True)
        >>> operator = HessianOperator(lambda: (w**3).sum(), [w])   # H = diag(6 w)
        >>> operator(torch.tensor([1.0, 1.0])).tolist()
        [6.0, 12.0]
    """

    def __init__(self, closure: Closure, params: Iterable[torch.Tensor]) -> None:
        self.params = checked_params(params)
        loss = checked_loss(closure)
        grads = torch.autograd.grad(loss, self.params, create_graph=True, allow_unused=True)
        if all(g is None for g in grads):
            raise ConfigError(
                "closure returned a loss that does not depend on params: pass the tensors "
                "the closure's loss is computed from."
            )
        self.loss = float(loss.detach())
        self.gradient = torch.cat(
            [
                (torch.zeros_like(p) if g is None else g).reshape(-1)
                for p, g in zip(self.params, grads, strict=True)
            ]
        )
        self.size = self.gradient.numel()
        self.dtype, self.device = self.gradient.dtype, self.gradient.device
        self.products = 0

    def __call__(self, vector: torch.Tensor) -> torch.Tensor:
        self.products += 1
        vector = vector.to(dtype=self.dtype, device=self.device)
        if not self.gradient.requires_grad:  # a loss linear in params: H = 0
            return torch.zeros_like(vector)
        columns = torch.autograd.grad(
            self.gradient, self.params, grad_outputs=vector, retain_graph=True, allow_unused=True
        )
        return torch.cat(
            [
                (torch.zeros_like(p) if c is None else c).reshape(-1)
                for p, c in zip(self.params, columns, strict=True)
            ]
        ).detach()

    def dense(self) -> torch.Tensor:
        """The (P, P) matrix, one product per column: small problems only."""
        basis = torch.eye(self.size, dtype=self.dtype, device=self.device)
        matrix = torch.stack([self(basis[i]) for i in range(self.size)], dim=1)
        return (matrix + matrix.T) / 2  # symmetric up to rounding; exactly so for eigh

    def random_vectors(self, count: int, seed: int, kind: str = "rademacher") -> torch.Tensor:
        """(count, P) vectors drawn from `seed` on the CPU (the same on every device):
        Rademacher (entries +-1) or standard Gaussian."""
        generator = torch.Generator().manual_seed(seed)
        shape = (count, self.size)
        if kind == "rademacher":
            draws = torch.randint(0, 2, shape, generator=generator).double() * 2 - 1
        else:
            draws = torch.randn(shape, generator=generator, dtype=torch.float64)
        return draws.to(dtype=self.dtype, device=self.device)
