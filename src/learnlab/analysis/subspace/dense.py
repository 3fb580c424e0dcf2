"""The dense random projection, generated in blocks of columns from a seed and never stored
whole (Li et al. 2018, section 2: P has i.i.d. Gaussian entries and unit-length columns).

At D = 199,210 and d = 750 the whole matrix is 600 MB in float32; here each block of
`block_columns` columns is drawn again from its own seeded stream in every forward and every
backward pass, so memory is one block (D x block_columns) and the cost is drawing D d normal
numbers twice per step: correct for any size, but the slowest of the three (measured in
`benchmarks/subspace_projection.py`). The column norms are measured once, at construction.
"""

from __future__ import annotations

import torch

from learnlab.analysis.subspace.base import Projection, block_generator

# D x this many float32 numbers at a time: 199,210 x 16 is 12.7 MB
BLOCK_COLUMNS = 16


def dense_block(seed: int, block: int, D: int, columns: int, dtype: torch.dtype) -> torch.Tensor:
    """The unnormalised columns of block `block` (D x columns, i.i.d. N(0, 1))."""
    generator = block_generator(seed, block)
    # always drawn in float32 (the same numbers whatever dtype the caller computes in)
    return torch.randn(D, columns, generator=generator).to(dtype)


class _ChunkedMatVec(torch.autograd.Function):
    """y = P theta with P drawn block by block; the backward pass draws it again for P^T g."""

    @staticmethod
    def forward(ctx, theta_d: torch.Tensor, projection: DenseProjection) -> torch.Tensor:  # type: ignore[override]
        ctx.projection = projection
        out = torch.zeros(projection.D, dtype=theta_d.dtype, device=theta_d.device)
        for block, start, columns in projection.blocks():
            p = projection.block(block, columns, theta_d.dtype).to(theta_d.device)
            out.addmv_(p, theta_d[start : start + columns])
        return out

    @staticmethod
    def backward(ctx, grad: torch.Tensor):  # type: ignore[override]
        projection: DenseProjection = ctx.projection
        parts = [
            projection.block(block, columns, grad.dtype).to(grad.device).T @ grad
            for block, _, columns in projection.blocks()
        ]
        return torch.cat(parts), None


class DenseProjection(Projection):
    """P with i.i.d. N(0, 1) entries, each column scaled to unit length."""

    def __init__(self, d: int, D: int, seed: int = 0, block_columns: int = BLOCK_COLUMNS) -> None:
        super().__init__(d, D, seed)
        self.block_columns = max(1, int(block_columns))
        norms = [
            dense_block(self.seed, b, D, c, torch.float64).norm(dim=0) for b, _, c in self.blocks()
        ]
        self.register_buffer("column_norms", torch.cat(norms), persistent=False)

    def blocks(self) -> list[tuple[int, int, int]]:
        """(block index, first column, number of columns) of each block."""
        step = self.block_columns
        return [(b, s, min(step, self.d - s)) for b, s in enumerate(range(0, self.d, step))]

    def block(self, block: int, columns: int, dtype: torch.dtype) -> torch.Tensor:
        """The normalised columns of one block."""
        start = block * self.block_columns
        norms = self.column_norms[start : start + columns].to(dtype)
        return dense_block(self.seed, block, self.D, columns, dtype) / norms

    def forward(self, theta_d: torch.Tensor) -> torch.Tensor:
        return _ChunkedMatVec.apply(theta_d, self)
