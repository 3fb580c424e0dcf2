"""The very sparse random projection of Li, Hastie & Church (2006), "Very sparse random
projections" (KDD): entries sqrt(s) * {+1, 0, -1} with probabilities 1/(2s), 1 - 1/s, 1/(2s),
s = sqrt(D) (scikit-learn's SparseRandomProjection with its default density, which Li et
al.'s code calls), so a column has about sqrt(D) non-zeros; each column is then scaled to unit
length as Li et al. (2018) do (their code divides by the norm of each column).

The columns are drawn in blocks from seeded streams (`block_generator`), the non-zeros kept as
two compressed sparse matrices, P (D x d) and P^T (d x D), so that the forward pass is one
sparse matrix-vector product and the backward pass another: d sqrt(D) multiply-adds each
(335,000 at D = 199,210, d = 750).
"""

from __future__ import annotations

import math

import torch

from learnlab.analysis.subspace.base import Projection, block_generator

BLOCK_COLUMNS = 16


def sparse_block_entries(
    seed: int, block: int, D: int, columns: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(rows, columns within the block, signs) of the non-zeros of one block, before scaling.

    Each entry is non-zero with probability p = 1/s independently, with a random sign: the
    rows of a column's non-zeros are drawn as the partial sums of geometric gaps (the exact law
    of a Bernoulli(p) sequence), so the cost is the number of non-zeros, not D."""
    p = 1 / math.sqrt(D)
    generator = block_generator(seed, block)
    draws = math.ceil(D * p + 8 * math.sqrt(D * p) + 16)
    rows = torch.zeros(columns, 0, dtype=torch.long)
    while rows.shape[1] == 0 or bool((rows[:, -1] < D).any()):
        u = torch.rand(columns, draws, generator=generator, dtype=torch.float64)
        gaps = (
            torch.floor(torch.log1p(-u) / math.log1p(-p)).long() + 1 if p < 1 else 1 + 0 * u.long()
        )
        start = rows[:, -1:] if rows.shape[1] else torch.full((columns, 1), -1, dtype=torch.long)
        rows = torch.cat([rows, start + gaps.cumsum(1)], dim=1)
    cols = torch.arange(columns).unsqueeze(1).expand_as(rows)
    keep = rows < D
    rows, cols = rows[keep], cols[keep]
    signs = torch.randint(0, 2, (rows.numel(),), generator=generator).float() * 2 - 1
    return rows, cols, signs


class _SparseMatVec(torch.autograd.Function):
    @staticmethod
    def forward(ctx, theta_d: torch.Tensor, projection: SparseProjection) -> torch.Tensor:  # type: ignore[override]
        ctx.projection = projection
        matrix = projection.matrix.to(theta_d.dtype)
        return (matrix @ theta_d.unsqueeze(1)).squeeze(1)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):  # type: ignore[override]
        transposed = ctx.projection.transposed.to(grad.dtype)
        return (transposed @ grad.unsqueeze(1)).squeeze(1), None


class SparseProjection(Projection):
    """P with about sqrt(D) non-zeros per column, +-1/sqrt(non-zeros in the column)."""

    def __init__(self, d: int, D: int, seed: int = 0, block_columns: int = BLOCK_COLUMNS) -> None:
        super().__init__(d, D, seed)
        rows, cols, values = [], [], []
        for block, start in enumerate(range(0, d, block_columns)):
            r, c, v = sparse_block_entries(seed, block, D, min(block_columns, d - start))
            rows.append(r)
            cols.append(c + start)
            values.append(v)
        row, col, value = torch.cat(rows), torch.cat(cols), torch.cat(values)
        # a column with no non-zero (likely only for tiny D) stays zero: nothing to normalise
        counts = torch.bincount(col, minlength=d).clamp(min=1).to(torch.float32)
        value = value / counts[col].sqrt()  # +-1 entries: the norm is sqrt(count)
        indices = torch.stack([row, col])
        coo = torch.sparse_coo_tensor(indices, value, (D, d)).coalesce()
        # buffers, so that they move with the module; drawn again from the seed, not saved
        self.register_buffer("matrix", coo.to_sparse_csr(), persistent=False)
        self.register_buffer("transposed", coo.t().coalesce().to_sparse_csr(), persistent=False)

    @property
    def nnz(self) -> int:
        return int(self.matrix.values().numel())

    def dense(self) -> torch.Tensor:
        """The whole matrix (for tests and small D)."""
        return self.matrix.to_dense()

    def forward(self, theta_d: torch.Tensor) -> torch.Tensor:
        return _SparseMatVec.apply(theta_d, self)
