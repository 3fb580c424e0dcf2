"""Subspace training (learnlab.analysis.subspace) against exact oracles on small problems:
the Fastfood and sparse projections equal a dense matrix built column by column from the same
seed and preserve norms in expectation; the chunked dense projection never differs from its
whole matrix; training with d = D and P = I is ordinary training; d > D is refused; the
search for d_int finds the crossing of a known accuracy curve."""

from __future__ import annotations

import math

import pytest
import scipy.linalg
import torch
from torch import nn

from learnlab.analysis.subspace.base import block_generator
from learnlab.analysis.subspace.dense import DenseProjection, dense_block
from learnlab.analysis.subspace.fastfood import FastfoodProjection, walsh_hadamard
from learnlab.analysis.subspace.model import SubspaceModel, make_projection
from learnlab.analysis.subspace.search import find_intrinsic_dimension
from learnlab.analysis.subspace.sparse import SparseProjection
from learnlab.io.errors import ConfigError


def columns_of(projection: nn.Module, d: int) -> torch.Tensor:
    """The matrix of a projection, column j = P e_j (float64)."""
    eye = torch.eye(d, dtype=torch.float64)
    return torch.stack([projection(eye[j]) for j in range(d)], dim=1)


def fastfood_reference(projection: FastfoodProjection) -> torch.Tensor:
    """Li et al.'s Fastfood matrix from its factors, as explicit L x L matrices (scipy's
    Hadamard matrix, a permutation matrix), then the first D rows and d columns."""
    L, D, d = projection.L, projection.D, projection.d
    H = torch.tensor(scipy.linalg.hadamard(L), dtype=torch.float64)
    B = torch.diag(projection.signs.double())
    Pi = torch.zeros(L, L, dtype=torch.float64)
    Pi[torch.arange(L), projection.permutation] = 1.0
    G = torch.diag(projection.gaussian.double())
    scale = math.sqrt(L * float((projection.gaussian.double() ** 2).sum())) * math.sqrt(D / L)
    return (H @ G @ Pi @ H @ B)[:D, :d] / scale


def sparse_reference(seed: int, d: int, D: int) -> torch.Tensor:
    """Very sparse P drawn column by column from the seeded uniform stream of each block,
    by the definition: entry +-1 with probability 1/(2 sqrt(D)) each, then unit columns."""
    from learnlab.analysis.subspace.sparse import BLOCK_COLUMNS, sparse_block_entries

    P = torch.zeros(D, d, dtype=torch.float64)
    for block, start in enumerate(range(0, d, BLOCK_COLUMNS)):
        rows, cols, signs = sparse_block_entries(seed, block, D, min(BLOCK_COLUMNS, d - start))
        for r, c, s in zip(rows.tolist(), cols.tolist(), signs.tolist(), strict=True):
            P[r, start + c] = s
    return P / P.norm(dim=0).clamp(min=1e-300)


def test_walsh_hadamard_is_scipys_hadamard_matrix():
    for L in (1, 2, 8, 128, 1024):
        x = torch.randn(L, dtype=torch.float64)
        H = torch.tensor(scipy.linalg.hadamard(L), dtype=torch.float64)
        assert torch.allclose(walsh_hadamard(x), H @ x, atol=1e-9)


@pytest.mark.parametrize(("d", "D"), [(5, 37), (16, 64), (3, 100)])
def test_fastfood_equals_its_dense_reference_forward_and_backward(d, D):
    projection = FastfoodProjection(d, D, seed=3).double()
    reference = fastfood_reference(projection)
    assert torch.allclose(columns_of(projection, d), reference, atol=1e-12)
    theta = torch.randn(d, dtype=torch.float64, requires_grad=True)
    g = torch.randn(D, dtype=torch.float64)
    (projection(theta) @ g).backward()
    assert torch.allclose(theta.grad, reference.T @ g, atol=1e-12)  # P^T by autograd


def test_sparse_equals_its_dense_reference_forward_and_backward():
    d, D = 40, 900
    projection = SparseProjection(d, D, seed=5)
    reference = sparse_reference(5, d, D)
    assert torch.allclose(projection.dense().double(), reference, atol=1e-6)
    theta = torch.randn(d, requires_grad=True)
    g = torch.randn(D)
    (projection(theta) @ g).backward()
    assert torch.allclose(
        projection(theta.detach()).double(), reference @ theta.detach().double(), atol=1e-5
    )
    assert torch.allclose(theta.grad.double(), reference.T @ g.double(), atol=1e-5)
    # about 1/sqrt(D) of the entries are non-zero, each column of unit length
    density = projection.nnz / (d * D)
    assert abs(density - 1 / math.sqrt(D)) < 0.3 / math.sqrt(D)
    assert torch.allclose(reference.norm(dim=0), torch.ones(d, dtype=torch.float64))


def test_chunked_dense_projection_equals_its_whole_matrix_and_has_unit_columns():
    d, D = 37, 50
    projection = DenseProjection(d, D, seed=2, block_columns=8)
    whole = torch.cat(
        [dense_block(2, b, D, c, torch.float64) for b, _, c in projection.blocks()], dim=1
    )
    whole = whole / whole.norm(dim=0)
    assert torch.allclose(columns_of(projection, d), whole, atol=1e-12)
    theta = torch.randn(d, dtype=torch.float64, requires_grad=True)
    g = torch.randn(D, dtype=torch.float64)
    (projection(theta) @ g).backward()
    assert torch.allclose(theta.grad, whole.T @ g, atol=1e-12)


@pytest.mark.parametrize("kind", ["dense", "sparse", "fastfood"])
def test_projections_preserve_norms_in_expectation(kind):
    """E ||P theta||^2 = ||theta||^2 over the random P (seeds), for a fixed theta."""
    d, D = 8, 300
    theta = torch.randn(d, dtype=torch.float64)
    ratios = [
        float(make_projection(kind, d, D, seed).double()(theta).pow(2).sum() / theta.pow(2).sum())
        for seed in range(300)
    ]
    mean = sum(ratios) / len(ratios)
    std = (sum((r - mean) ** 2 for r in ratios) / (len(ratios) - 1)) ** 0.5
    assert abs(mean - 1) < 4 * std / len(ratios) ** 0.5 + 1e-9


def test_blocks_are_drawn_from_their_own_streams():
    a = torch.rand(3, generator=block_generator(0, 1))
    assert torch.equal(a, torch.rand(3, generator=block_generator(0, 1)))
    assert not torch.equal(a, torch.rand(3, generator=block_generator(0, 2)))
    assert not torch.equal(a, torch.rand(3, generator=block_generator(1, 1)))


def small_problem():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3)).double()
    x, y = torch.randn(32, 4, dtype=torch.float64), torch.randint(0, 3, (32,))
    return model, x, y


def test_d_equal_D_with_the_identity_is_ordinary_training():
    from learnlab.data.loader import TensorLoader
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.train.trainer import Trainer

    model, x, y = small_problem()
    D = sum(p.numel() for p in model.parameters())
    subspace = SubspaceModel(model, D, projection="identity")
    assert [name for name, _ in subspace.named_parameters()] == ["theta_d"]
    plain = __import__("copy").deepcopy(model)
    for net in (subspace, plain):
        Trainer(net, CrossEntropy(), torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)).fit(
            TensorLoader(x, y, batch_size=8, seed=1), epochs=3
        )
    trained = subspace.materialize()
    for (name, p), q in zip(plain.named_parameters(), trained.parameters(), strict=True):
        assert torch.allclose(p, q, atol=1e-12), name
    assert torch.allclose(subspace(x), plain(x), atol=1e-12)
    # the model given is left as it came (a copy is trained)
    assert torch.equal(next(model.parameters()), next(small_problem()[0].parameters()))


@pytest.mark.parametrize("kind", ["dense", "sparse", "fastfood"])
def test_at_theta_d_zero_the_subspace_model_is_the_model(kind):
    model, x, _ = small_problem()
    subspace = SubspaceModel(model, 5, projection=kind, seed=1)
    assert torch.allclose(subspace(x), model(x), atol=1e-12)
    assert subspace.D == 51 and subspace.theta_d.numel() == 5


def test_d_larger_than_D_is_a_config_error_naming_d():
    model, _, _ = small_problem()
    for kind in ("dense", "sparse", "fastfood", "identity"):
        with pytest.raises(ConfigError, match=r"d = 52 is larger than D = 51"):
            SubspaceModel(model, 52, projection=kind)
    with pytest.raises(ConfigError, match="d"):
        SubspaceModel(model, 0)
    with pytest.raises(ConfigError, match="identity projection needs d = D"):
        SubspaceModel(model, 10, projection="identity")
    with pytest.raises(ConfigError, match="projection must be one of"):
        SubspaceModel(model, 10, projection="gaussian")


def test_the_search_finds_the_crossing_of_a_known_curve():
    calls: list[int] = []

    def accuracy_at(d: int) -> float:  # crosses 0.9 between 640 and 641
        calls.append(d)
        return 0.9 if d > 640 else 0.5

    found = find_intrinsic_dimension(accuracy_at, [100, 300, 1000, 3000], 0.9, bisection_steps=20)
    assert found.d_int == 641
    assert 3000 not in calls  # the grid stops at its first passing d
    assert found.dims == tuple(sorted(calls)) and found.passed()[-1]
    coarse = find_intrinsic_dimension(accuracy_at, [100, 300, 1000], 0.9, bisection_steps=2)
    # 100 and 300 fail, 1000 passes; bisections: 650 passes, 475 fails
    assert coarse.d_int == 650 and coarse.dims == (100, 300, 475, 650, 1000)
    never = find_intrinsic_dimension(accuracy_at, [10, 20], 0.9)
    assert never.d_int is None and never.dims == (10, 20)
    with pytest.raises(ConfigError, match="grid"):
        find_intrinsic_dimension(accuracy_at, [300, 100], 0.9)


def test_a_batched_ensemble_trains_fastfood_subspace_members_as_sequential_runs():
    """BatchedEnsemble (vmap over the stacked theta_d) with the Fastfood projection: each
    member agrees with its own sequential Trainer run up to float32 rounding. (The sparse and
    dense projections are custom autograd Functions on CSR matrices or seeded blocks, which
    vmap cannot batch: they train one model at a time.)"""
    from learnlab.data.loader import TensorLoader
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.scale.ensemble import BatchedEnsemble
    from learnlab.train.trainer import Trainer

    def build() -> nn.Module:
        return SubspaceModel(
            nn.Sequential(nn.Flatten(), nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3)), 5, "fastfood"
        )

    x, y = torch.randn(48, 6), torch.randint(0, 3, (48,))
    ensemble = BatchedEnsemble(build, seeds=[0, 1], optimizer="adam", lr=0.05, device="cpu")
    ensemble.fit(x, y, epochs=2, batch_size=16)
    for k, seed in enumerate([0, 1]):
        torch.manual_seed(seed)
        model = build()
        optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
        Trainer(model, CrossEntropy(), optimizer).fit(
            TensorLoader(x, y, batch_size=16, seed=seed), epochs=2
        )
        assert torch.allclose(ensemble.member(k).theta_d, model.theta_d, atol=1e-5)
    assert not torch.allclose(ensemble.member(0).theta_d, ensemble.member(1).theta_d)
