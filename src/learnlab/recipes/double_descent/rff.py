"""Part (b): random Fourier features with the minimum-norm least-squares fit on an MNIST subset,
as a function of the number of features N (Belkin, Hsu, Ma & Mandal 2019, the RFF-on-MNIST
figure).

The labels are one-hot vectors (10 outputs, squared loss, as in the paper); the prediction is
the argmax. The feature sets are nested (the first N columns of one sequence). Below the
threshold (N <= n) the fit is `min_norm_least_squares(Phi, Y, method="svd")`; above it the
kernel form w = Phi^T (Phi Phi^T)^+ Y, with Phi Phi^T (n x n) and Phi_test Phi^T accumulated
chunk by chunk as N grows (a (n, N) matrix is never held), predictions Phi_test w =
(Phi_test Phi^T) alpha and ||w||^2 = trace(alpha^T Phi Phi^T alpha). Features carry the factor
sqrt(2 / N), so ||w|| is the norm of the kernel-approximation coefficients.
"""

from __future__ import annotations

import time
from typing import Any

import torch
from torch import Tensor

from learnlab.io.errors import ConfigError
from learnlab.result import Result

CHUNK = 2048  # feature columns made at once above the threshold


def mnist_subset(config) -> dict[str, Tensor]:
    """`rff_train_size` training and `rff_test_size` test images of MNIST, drawn from `seed`,
    pixels in [0, 1], flattened to 784 values, float64."""
    from learnlab.data import load_dataset

    ds = load_dataset("mnist", root=config.data_root, download=config.download)
    generator = torch.Generator().manual_seed(config.seed)
    if config.rff_train_size > len(ds.train.y) or config.rff_test_size > len(ds.test.y):
        raise ConfigError(
            f"rff_train_size must be <= {len(ds.train.y)} and rff_test_size <= "
            f"{len(ds.test.y)} (MNIST's splits)."
        )
    train = torch.randperm(len(ds.train.y), generator=generator)[: config.rff_train_size]
    test = torch.randperm(len(ds.test.y), generator=generator)[: config.rff_test_size]

    def flat(x: Tensor) -> Tensor:
        return x.reshape(len(x), -1).to(torch.float64) / 255.0

    return {
        "x": flat(ds.train.x[train]),
        "y": ds.train.y[train].long(),
        "x_test": flat(ds.test.x[test]),
        "y_test": ds.test.y[test].long(),
    }


def _errors(pred: Tensor, y: Tensor, onehot: Tensor) -> tuple[float, float]:
    """(zero-one error, mean squared loss summed over the 10 outputs)."""
    zero_one = float((pred.argmax(1) != y).double().mean())
    return zero_one, float(((pred - onehot) ** 2).sum(1).mean())


def rff_sweep(data: dict[str, Tensor], counts: list[int], bandwidth: float, seed: int) -> dict:
    """Train and test errors, squared losses and weight norms of the min-norm fit for each N."""
    from learnlab.analysis.min_norm import min_norm_least_squares, pinv_solve
    from learnlab.analysis.random_features import RandomFourierFeatures

    x, y, x_test, y_test = data["x"], data["y"], data["x_test"], data["y_test"]
    n, classes = len(y), int(max(y.max(), y_test.max())) + 1
    onehot = torch.nn.functional.one_hot(y, classes).double()
    onehot_test = torch.nn.functional.one_hot(y_test, classes).double()
    rff = RandomFourierFeatures(x.shape[1], bandwidth, seed)
    counts = sorted(set(counts))
    base = min(counts[-1], n)
    phi, phi_test = rff.features(x, 0, base), rff.features(x_test, 0, base)
    rows: dict[str, list[float]] = {k: [] for k in ("train", "test", "train_sq", "test_sq", "norm")}

    def record(pred: Tensor, pred_test: Tensor, norm: float) -> None:
        for key, (zero_one, squared) in (
            ("train", _errors(pred, y, onehot)),
            ("test", _errors(pred_test, y_test, onehot_test)),
        ):
            rows[key].append(zero_one)
            rows[f"{key}_sq"].append(squared)
        rows["norm"].append(norm)

    for count in [c for c in counts if c <= n]:
        scale = (2.0 / count) ** 0.5
        w = min_norm_least_squares(phi[:, :count] * scale, onehot, method="svd")
        record(phi[:, :count] * scale @ w, phi_test[:, :count] * scale @ w, float(w.norm()))
    done = base
    gram, cross = phi @ phi.T, phi_test @ phi.T  # unscaled sums over the first `done` features
    del phi, phi_test
    for count in [c for c in counts if c > n]:
        for start in range(done, count, CHUNK):
            stop = min(start + CHUNK, count)
            block, block_test = rff.features(x, start, stop), rff.features(x_test, start, stop)
            gram += block @ block.T
            cross += block_test @ block.T
        done = count
        scale2 = 2.0 / count
        alpha = pinv_solve(gram * scale2, onehot)
        norm = float(torch.einsum("ik,ij,jk->", alpha, gram * scale2, alpha).clamp_min(0).sqrt())
        record(gram * scale2 @ alpha, cross * scale2 @ alpha, norm)
    return {"counts": counts, **rows}


def run_rff_part(config, console: Any) -> Result:
    """Part (b) as a Result of its own (resumable with `ctx.part`)."""
    start = time.process_time()
    data = mnist_subset(config)
    n = len(data["y"])
    counts = config.feature_counts()
    if console is not None and config.progress:
        console.print(f"double-descent (b): RFF on {n} MNIST examples, N in {counts}")
    sweep = rff_sweep(data, counts, config.rff_bandwidth, config.seed)
    summary = {"train_size": n, "test_size": len(data["y_test"]), **sweep}
    summary["cpu_seconds"] = time.process_time() - start
    return Result(kind="double-descent-rff", title="double-descent (b): RFF", summary=summary)
