"""The trace of the Hessian of a loss closure by Hutchinson's estimator (Hutchinson 1989).

For a random vector z with independent entries +-1 (Rademacher), E[z^T H z] = tr(H), and of
all such distributions Rademacher's has the least variance: 2 (|H|_F^2 - sum_i H_ii^2). The
estimate is the mean of `samples` draws z^T H z, one Hessian-vector product each, and its
standard error is their standard deviation over sqrt(samples): it shrinks as 1/sqrt(samples).
Memory: a few vectors of the parameters' size.

Example:
    >>> w = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    >>> scales = torch.tensor([1.0, -2.0, 5.0], dtype=torch.float64)
    >>> estimate, error = trace(lambda: 0.5 * (scales * w**2).sum(), [w], samples=10)
    >>> estimate, error        # a diagonal H: every draw gives the trace exactly
    (4.0, 0.0)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import torch

from learnlab.analysis.hessian_operator import Closure, HessianOperator
from learnlab.io.errors import ConfigError


@dataclass(frozen=True)
class TraceEstimate:
    """Hutchinson's estimate of tr(H); unpacks as (estimate, standard_error)."""

    estimate: float
    standard_error: float
    samples: int
    parameters: int

    def __iter__(self) -> Iterator[float]:
        return iter((self.estimate, self.standard_error))


def trace(
    closure: Closure, params: Iterable[torch.Tensor], samples: int = 100, seed: int = 0
) -> TraceEstimate:
    """tr(H) of the Hessian of `closure()` with respect to `params`, from `samples` Rademacher
    vectors drawn from `seed` (one Hessian-vector product each), with its standard error."""
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 2:
        raise ConfigError(
            f"samples={samples!r}: give at least 2 samples (the standard error needs two)."
        )
    operator = HessianOperator(closure, params)
    draws = []
    for start in range(0, samples, 64):  # draw in chunks: memory 64 vectors at most
        vectors = operator.random_vectors(min(64, samples - start), seed + start)
        draws += [float(z @ operator(z)) for z in vectors]
    values = torch.tensor(draws, dtype=torch.float64)
    error = float(values.std(correction=1)) / samples**0.5
    return TraceEstimate(float(values.mean()), error, samples, operator.size)
