"""The largest eigenvalues of the Hessian of a loss closure, by Lanczos or power iteration.

Lanczos (1950) builds an orthonormal basis Q of the Krylov space {v, Hv, H^2 v, ...} one
Hessian-vector product per step, and with it the tridiagonal T = Q^T H Q, whose eigenvalues
(Ritz values, from SciPy's symmetric tridiagonal solver `eigh_tridiagonal`: real by
construction) converge to H's extreme ones first. In floating point the basis loses
orthogonality and ghost copies of converged eigenvalues appear; full reorthogonalisation
(each new vector orthogonalised against all earlier ones, twice: Gram-Schmidt run twice is
enough, Giraud et al. 2005) prevents that, at the price of keeping all `steps` vectors: memory
`steps` x the parameters' size. When the Krylov space closes (an invariant subspace: beta ~ 0)
it restarts from a fresh random vector orthogonal to the basis, so all k eigenvalues are found
even then.

Power iteration with deflation is the simpler, slower alternative (as in PyHessian): iterate
v <- H v / |H v| to the dominant eigenvector, then again on the complement of those found.
It converges to the eigenvalue largest in magnitude, so two probes first find the smallest
eigenvalue (the dominant one of H, or of H - lambda_max I), and when that is negative the
operator is shifted by it (H + |lambda_min| I >= 0): the largest algebraic eigenvalues are then
the dominant ones. Memory: k + 2 vectors.

Example:
    >>> w = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    >>> scales = torch.tensor([1.0, -2.0, 5.0], dtype=torch.float64)
    >>> closure = lambda: 0.5 * (scales * w**2).sum()          # H = diag(1, -2, 5)
    >>> [round(v, 9) for v in top_eigenvalues(closure, [w], k=2).tolist()]
    [5.0, 1.0]
    >>> [round(v, 9) for v in top_eigenvalues(closure, [w], k=2, method="power").tolist()]
    [5.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, overload

import numpy as np
import torch

from learnlab.analysis.hessian_operator import Closure, HessianOperator
from learnlab.io.errors import ConfigError

Method = Literal["lanczos", "power"]


@dataclass(frozen=True)
class Eigenpairs:
    """The k largest eigenvalues of a Hessian (descending, float64) and their unit
    eigenvectors as the columns of a (P, k) tensor in the parameters' dtype, flattened in the
    order of `params` (torch.nn.utils.vector_to_parameters reshapes a column back)."""

    eigenvalues: torch.Tensor  # (k,)
    eigenvectors: torch.Tensor  # (P, k)
    products: int  # Hessian-vector products used


@dataclass(frozen=True)
class Tridiagonal:
    """A Lanczos run: T's diagonal (alphas) and off-diagonal (betas), and the basis Q."""

    alphas: np.ndarray  # (m,)
    betas: np.ndarray  # (m - 1,)
    basis: torch.Tensor  # (m, P), orthonormal rows

    def ritz(self) -> tuple[np.ndarray, np.ndarray]:
        """T's eigenvalues (ascending) and eigenvectors (columns), from the tridiagonal solver."""
        from scipy.linalg import eigh_tridiagonal

        if len(self.alphas) == 1:
            return self.alphas.copy(), np.ones((1, 1))
        return eigh_tridiagonal(self.alphas, self.betas)


def lanczos(
    operator: HessianOperator, start: torch.Tensor, steps: int, *, restart_seed: int | None = None
) -> Tridiagonal:
    """`steps` Lanczos steps from `start` with full reorthogonalisation. On breakdown (an
    invariant subspace found) it restarts from a random vector orthogonal to the basis drawn
    from `restart_seed`, or stops early if that is None (as quadrature needs)."""
    steps = min(steps, operator.size)
    basis = torch.zeros(steps, operator.size, dtype=operator.dtype, device=operator.device)
    alphas: list[float] = []
    betas: list[float] = []
    vector = start / start.norm()
    breakdown = torch.finfo(operator.dtype).eps ** 0.5
    restarts = 0
    for j in range(steps):
        basis[j] = vector
        product = operator(vector)
        alphas.append(float(vector @ product))
        if j == steps - 1:
            break
        residual = orthogonalised(product, basis[: j + 1])
        beta = float(residual.norm())
        if beta > breakdown * max(float(product.norm()), abs(alphas[-1])) and beta > 0:
            betas.append(beta)
            vector = residual / beta
            continue
        if restart_seed is None:
            break
        restarts += 1
        fresh = operator.random_vectors(1, restart_seed + restarts, "gaussian")[0]
        fresh = orthogonalised(fresh, basis[: j + 1])
        betas.append(0.0)  # T splits into independent blocks
        vector = fresh / fresh.norm()
    size = len(alphas)
    return Tridiagonal(np.array(alphas), np.array(betas[: size - 1]), basis[:size])


def orthogonalised(vector: torch.Tensor, basis: torch.Tensor) -> torch.Tensor:
    """`vector` minus its projection on the rows of `basis`, done twice for stability."""
    for _ in range(2):
        vector = vector - basis.T @ (basis @ vector)
    return vector


@overload
def top_eigenvalues(
    closure: Closure,
    params: Iterable[torch.Tensor],
    k: int,
    *,
    method: Method = ...,
    steps: int | None = ...,
    seed: int = ...,
    eigenvectors: Literal[False] = ...,
    tol: float = ...,
) -> torch.Tensor: ...
@overload
def top_eigenvalues(
    closure: Closure,
    params: Iterable[torch.Tensor],
    k: int,
    *,
    method: Method = ...,
    steps: int | None = ...,
    seed: int = ...,
    eigenvectors: Literal[True],
    tol: float = ...,
) -> Eigenpairs: ...
def top_eigenvalues(
    closure: Closure,
    params: Iterable[torch.Tensor],
    k: int,
    *,
    method: Method = "lanczos",
    steps: int | None = None,
    seed: int = 0,
    eigenvectors: bool = False,
    tol: float = 1e-6,
) -> torch.Tensor | Eigenpairs:
    """The `k` largest eigenvalues of the Hessian of `closure()` with respect to `params`, as a
    descending float64 tensor on the CPU; with `eigenvectors=True` an `Eigenpairs`.

    `method="lanczos"`: `steps` Krylov steps (default min(P, max(30, 3k))), memory `steps`
    vectors of size P. `method="power"`: at most `steps` iterations per eigenvalue (default
    300), each stopping once the residual |H v - lambda v| <= tol |H v|. The random start is
    drawn from `seed`."""
    operator = HessianOperator(closure, params)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= operator.size:
        raise ConfigError(
            f"k={k!r}: ask for 1 to {operator.size} eigenvalues (the parameter count)."
        )
    if method not in ("lanczos", "power"):
        raise ConfigError(f"method={method!r}; choose 'lanczos' or 'power'.")
    default = min(operator.size, max(30, 3 * k)) if method == "lanczos" else 300
    steps = default if steps is None else steps
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ConfigError(f"steps={steps!r}: give a positive number of iterations.")
    if method == "lanczos" and steps < min(k, operator.size):
        raise ConfigError(f"steps={steps}: Lanczos needs at least k={k} steps.")
    if method == "lanczos":
        values, vectors = lanczos_top(operator, k, steps, seed)
    else:
        values, vectors = power_top(operator, k, steps, tol, seed)
    values = values.cpu()
    if not eigenvectors:
        return values
    return Eigenpairs(values, vectors.cpu(), operator.products)


def lanczos_top(
    operator: HessianOperator, k: int, steps: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    start = operator.random_vectors(1, seed, "gaussian")[0]
    run = lanczos(operator, start, steps, restart_seed=seed)
    values, vectors = run.ritz()
    order = np.argsort(values)[::-1][:k].copy()
    ritz = torch.as_tensor(vectors[:, order], dtype=operator.dtype, device=operator.device)
    return torch.as_tensor(values[order], dtype=torch.float64), run.basis.T @ ritz


def power_top(
    operator: HessianOperator, k: int, steps: int, tol: float, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    starts = operator.random_vectors(k + 1, seed, "gaussian")
    found = torch.zeros(0, operator.size, dtype=operator.dtype, device=operator.device)
    # the smallest eigenvalue: the dominant one, or the dominant one of H - dominant I
    smallest, _ = power_iteration(operator, starts[k], steps, tol, found, shift=0.0)
    if smallest > 0:
        lowest, _ = power_iteration(operator, starts[k], steps, tol, found, shift=-smallest)
        smallest = min(smallest, lowest)
    shift = max(0.0, -smallest)  # H + shift I >= 0: its largest eigenvalues are dominant
    values = []
    for i in range(k):
        value, vector = power_iteration(operator, starts[i], steps, tol, found, shift)
        values.append(value)
        found = torch.cat([found, vector[None]])
    return torch.tensor(values, dtype=torch.float64), found.T


def power_iteration(
    operator: HessianOperator,
    start: torch.Tensor,
    steps: int,
    tol: float,
    found: torch.Tensor,
    shift: float,
) -> tuple[float, torch.Tensor]:
    """The dominant eigenpair of H + shift I on the complement of the rows of `found`
    (deflation by projection), returned as an eigenpair of H."""
    vector = orthogonalised(start, found)
    vector = vector / vector.norm()
    value = 0.0
    for _ in range(steps):
        product = orthogonalised(operator(vector) + shift * vector, found)
        value = float(vector @ product)
        size = float(product.norm())
        if size == 0.0:  # H + shift I vanishes on the complement
            break
        converged = float((product - value * vector).norm()) <= tol * size
        vector = product / size
        if converged:
            break
    return value - shift, vector
