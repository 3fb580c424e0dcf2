"""The Hessian of a loss with respect to the parameters: products with it, the dense matrix of a
small model, and its extreme eigenvalues.

Pearlmutter (1994), "Fast exact multiplication by the Hessian": H v is the gradient of
(grad L . v), one extra backward pass, so H never has to be formed. Its extreme eigenvalues come
from the Lanczos method on that product (Lanczos 1950; here SciPy's ARPACK `eigsh` on a
`LinearOperator`), as in the Hessian-spectrum studies the lectures cite (sharpness, saddle
points: a negative eigenvalue at a critical point means a direction of descent remains).

Above: the model-and-objective API. The closure-based estimators (a closure of no arguments
returning the scalar loss, as torch.optim.LBFGS's, and the parameter list: any model, objective
and batch, or a loop over a data set inside the closure) live in their own modules and are
importable from here:

    top_eigenvalues(closure, params, k)   the k largest, by Lanczos or power iteration (lanczos)
    trace(closure, params, samples)       Hutchinson's estimate and its standard error
                                          (hutchinson)
    spectral_density(closure, params)     stochastic Lanczos quadrature (spectral_density)
    index(closure, params)                the fraction of negative eigenvalues (spectral_density)

Example:
    >>> import torch
    >>> from torch import nn
    >>> model = nn.Linear(3, 1, bias=False).double()
    >>> x = torch.eye(3, dtype=torch.float64)
    >>> loss = lambda m, b: ((m(b[0]).squeeze(1) - b[1]) ** 2).mean()
    >>> spectrum = hessian_eigenvalues(model, lambda m, b: (loss(m, b), {}), (x, x[0]), k=1)
    >>> round(float(spectrum.eigenvalues[0]), 6)   # H = 2/3 I
    0.666667
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

from learnlab.analysis.base import flat, loss_closure, preserved_model_state, trainable
from learnlab.analysis.hessian_operator import HessianOperator
from learnlab.analysis.hutchinson import TraceEstimate, trace
from learnlab.analysis.lanczos import Eigenpairs, top_eigenvalues
from learnlab.analysis.spectral_density import (
    HessianIndex,
    SpectralDensity,
    index,
    spectral_density,
)
from learnlab.io.errors import ConfigError
from learnlab.objectives.base import Objective

__all__ = [
    "Eigenpairs",
    "HessianIndex",
    "HessianOperator",
    "HessianSpectrum",
    "SpectralDensity",
    "TraceEstimate",
    "dense_hessian",
    "hessian_eigenvalues",
    "hessian_vector_product",
    "index",
    "spectral_density",
    "top_eigenvalues",
    "trace",
]

# A dense Hessian of this many parameters is 64 MB in float64: beyond, use the eigenvalues.
MAX_DENSE_PARAMETERS = 2_896


@dataclass(frozen=True)
class HessianSpectrum:
    """Extreme eigenvalues of the Hessian at the model's parameters."""

    eigenvalues: np.ndarray  # (k,), float64, in increasing order
    which: str  # "largest" (algebraic), "smallest" (algebraic) or "magnitude"
    parameters: int  # the Hessian's size
    products: int  # Hessian-vector products the Lanczos iteration used
    loss: float  # the loss at these parameters


def hessian_vector_product(
    loss: Callable[[], torch.Tensor], params: Sequence[torch.Tensor], vector: torch.Tensor
) -> torch.Tensor:
    """H v for the flat `vector`, by differentiating (grad L . v) (Pearlmutter 1994)."""
    grads = torch.autograd.grad(loss(), params, create_graph=True)
    dot = (flat(grads) * vector.to(grads[0].dtype)).sum()
    return flat(torch.autograd.grad(dot, params)).detach()


def dense_hessian(
    model: nn.Module, objective: Objective | Callable[..., Any], batch: Any
) -> torch.Tensor:
    """The (P, P) Hessian of the objective on `batch`, one product per column; small models
    only (P <= MAX_DENSE_PARAMETERS). The model is left as it came."""
    with preserved_model_state(model):
        params = trainable(model)
        size = sum(p.numel() for p in params)
        if size > MAX_DENSE_PARAMETERS:
            raise ConfigError(
                f"the dense Hessian of {size:,} parameters is too large (the limit is "
                f"{MAX_DENSE_PARAMETERS:,}); use hessian_eigenvalues for its spectrum."
            )
        # one gradient graph, then one backward through it per column (HessianOperator)
        return HessianOperator(loss_closure(model, objective, batch), params).dense()


def hessian_eigenvalues(
    model: nn.Module,
    objective: Objective | Callable[..., Any],
    batch: Any,
    *,
    k: int = 1,
    which: Literal["largest", "smallest", "magnitude"] = "largest",
    tol: float = 1e-6,
    seed: int = 0,
) -> HessianSpectrum:
    """The `k` largest (or smallest, or largest in magnitude) eigenvalues of the Hessian of
    the objective on `batch`, by Lanczos on Hessian-vector products; the model is left as it
    came. The starting vector is drawn from `seed`, so the result is reproducible."""
    from scipy.sparse.linalg import LinearOperator, eigsh

    modes = {"largest": "LA", "smallest": "SA", "magnitude": "LM"}
    if which not in modes:
        raise ConfigError(f"which={which!r}; choose largest, smallest or magnitude.")
    with preserved_model_state(model):
        params = trainable(model)
        size = sum(p.numel() for p in params)
        if not 1 <= k < size:
            raise ConfigError(f"k={k}: ask for 1 to {size - 1} eigenvalues of a {size}-d Hessian.")
        # the gradient's graph is built once; each Lanczos product is one backward through it
        operator = HessianOperator(loss_closure(model, objective, batch), params)

        def matvec(v: np.ndarray) -> np.ndarray:
            vector = torch.from_numpy(np.asarray(v, dtype=np.float64).reshape(-1))
            return operator(vector).double().cpu().numpy()

        start = np.random.default_rng(seed).standard_normal(size)
        linear = LinearOperator((size, size), matvec=matvec, dtype=np.float64)
        values = eigsh(
            linear, k=k, which=modes[which], tol=tol, v0=start, return_eigenvectors=False
        )
    return HessianSpectrum(np.sort(values), which, size, operator.products, operator.loss)
