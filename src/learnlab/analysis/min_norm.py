"""The minimum-norm least-squares solution: of all w minimising ||A w - b||, the one of least
||w|| (w = A^+ b, the Moore-Penrose pseudo-inverse). For an over-parameterised A (more columns
than rows, full row rank) it is the interpolating solution of least norm, the predictor whose
test error traces the "double descent" curve of Belkin, Hsu, Ma & Mandal (2019), "Reconciling
modern machine-learning practice and the classical bias-variance trade-off" (PNAS): it peaks
where the number of features equals the number of examples (A square and ill-conditioned).

Two ways to compute it:

- "svd": A = U S V^T (thin), w = V S^-1 U^T b over the singular values above rcond * s_max
  (numpy.linalg.lstsq's rule, rcond = eps * max(n, p) by default): exact to rounding.
- "gram": the eigendecomposition of the smaller Gram matrix, A^T A (p <= n) or A A^T (p > n),
  then w = (A^T A)^+ A^T b or w = A^T (A A^T)^+ b. Several times faster for wide or tall A,
  but it squares the condition number, so eigenvalues below max(rcond^2, m * eps) * lambda_max
  (m = min(n, p)) are dropped: singular values under ~1e-8 s_max in float64 are treated as
  zero, where "svd" keeps them.

`pinv_solve(G, b)` is the symmetric step alone: G^+ b for a positive semi-definite G, which the
double-descent sweep uses with a Gram matrix it accumulates itself (kernel form).

Example:
    >>> a = torch.randn(3, 5, dtype=torch.float64); b = torch.randn(3, dtype=torch.float64)
    >>> w = min_norm_least_squares(a, b)
    >>> torch.allclose(a @ w, b)   # 3 equations, 5 unknowns: it interpolates
    True
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor

from learnlab.io.errors import ConfigError, unknown_name

METHODS = ("svd", "gram")


def _check(a: Tensor, b: Tensor) -> None:
    if not isinstance(a, Tensor) or a.dim() != 2 or 0 in a.shape:
        raise ConfigError("a must be a non-empty (n, p) matrix (n equations, p unknowns).")
    if not isinstance(b, Tensor) or b.dim() not in (1, 2) or b.shape[0] != a.shape[0]:
        raise ConfigError(
            f"b must be (n,) or (n, k) with n = {a.shape[0]} (the rows of a), got "
            f"{tuple(b.shape) if isinstance(b, Tensor) else type(b).__name__}."
        )
    if not a.dtype.is_floating_point or a.dtype != b.dtype:
        raise ConfigError(f"a and b must share a floating dtype, got {a.dtype} and {b.dtype}.")


def _default_rcond(a: Tensor) -> float:
    return torch.finfo(a.dtype).eps * max(a.shape)


def pinv_solve(gram: Tensor, b: Tensor, *, cutoff: float | None = None) -> Tensor:
    """gram^+ b for a symmetric positive semi-definite `gram` (m, m) by `eigh`; eigenvalues
    below cutoff * lambda_max (default m * eps) count as zero."""
    if gram.dim() != 2 or gram.shape[0] != gram.shape[1] or b.shape[0] != gram.shape[0]:
        raise ConfigError(
            f"gram must be (m, m) and b (m, ...); got {tuple(gram.shape)}, {tuple(b.shape)}."
        )
    m = gram.shape[0]
    cutoff = m * torch.finfo(gram.dtype).eps if cutoff is None else cutoff
    eigenvalues, vectors = torch.linalg.eigh(gram)
    keep = eigenvalues > cutoff * eigenvalues.max().clamp_min(0)
    inverse = torch.where(keep, 1.0 / torch.where(keep, eigenvalues, 1.0), 0.0)
    coefficients = vectors.T @ b
    scaled = coefficients * (inverse if b.dim() == 1 else inverse[:, None])
    return vectors @ scaled


def min_norm_least_squares(
    a: Tensor,
    b: Tensor,
    *,
    rcond: float | None = None,
    method: Literal["svd", "gram"] = "svd",
) -> Tensor:
    """argmin ||w|| over the minimisers of ||a w - b||: (p,) for b (n,), (p, k) for b (n, k)."""
    _check(a, b)
    if method not in METHODS:
        raise unknown_name("method", method, METHODS)
    rcond = _default_rcond(a) if rcond is None else float(rcond)
    if not 0 <= rcond < 1:
        raise ConfigError(f"rcond must be in [0, 1), got {rcond!r}.")
    if method == "svd":
        u, s, vh = torch.linalg.svd(a, full_matrices=False)
        keep = s > rcond * s.max()
        inverse = torch.where(keep, 1.0 / torch.where(keep, s, 1.0), 0.0)
        coefficients = u.T @ b
        scaled = coefficients * (inverse if b.dim() == 1 else inverse[:, None])
        return vh.T @ scaled
    n, p = a.shape
    cutoff = max(rcond**2, min(n, p) * torch.finfo(a.dtype).eps)
    if p <= n:
        return pinv_solve(a.T @ a, a.T @ b, cutoff=cutoff)
    return a.T @ pinv_solve(a @ a.T, b, cutoff=cutoff)
