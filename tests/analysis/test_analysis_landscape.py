"""learnlab.analysis.landscape: the objective along a line and on a plane of filter-normalised
directions, against oracles on tiny float64 problems (a model whose weights are set by hand, a
quadratic's closed form, batch-norm statistics computed by hand), the numbers read off a path,
and a scan interrupted part way (an exception, KeyboardInterrupt, SIGKILL) that resumes to the
grid of an uninterrupted run."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from learnlab.analysis.landscape import (
    barrier_height,
    filter_normalized,
    largest_rise,
    linear_path,
    loss_plane,
    random_directions,
)
from learnlab.analysis.landscape.figures import line_scan_figure, plane_contour_figure
from learnlab.io.errors import ConfigError
from learnlab.objectives.supervised import CrossEntropy


def mlp(seed: int, batch_norm: bool = False) -> nn.Module:
    torch.manual_seed(seed)
    norm = [nn.BatchNorm1d(5)] if batch_norm else []
    return nn.Sequential(nn.Linear(4, 5), *norm, nn.Tanh(), nn.Linear(5, 3)).double()


def data(n: int = 30, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 4, generator=g, dtype=torch.float64), torch.randint(
        0, 3, (n,), generator=g
    )


def by_hand(model: nn.Module, state: dict, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Cross-entropy and accuracy of a copy of `model` loaded with `state`, in eval mode."""
    twin = copy.deepcopy(model)
    twin.load_state_dict(state)
    twin.eval()
    with torch.no_grad():
        logits = twin(x)
    return float(F.cross_entropy(logits, y)), float((logits.argmax(1) == y).double().mean())


def interpolated(start: dict, end: dict, a: float, model: nn.Module) -> dict:
    params = {n for n, _ in model.named_parameters()}
    return {k: (1 - a) * start[k] + a * end[k] if k in params else end[k] for k in end}


# -- the line ---------------------------------------------------------------------------------


def test_the_line_equals_models_whose_weights_are_set_by_hand():
    model, other = mlp(0), mlp(1)
    start, end = copy.deepcopy(other.state_dict()), copy.deepcopy(model.state_dict())
    x, y = data()
    alphas = [-0.5, 0.0, 0.25, 0.5, 1.0, 1.5]
    # the model's own state dict shares its storage: the scan must not move it as it goes
    scan = linear_path(model, CrossEntropy(), (x, y), start, model.state_dict(), alphas=alphas)
    assert scan.alphas.tolist() == alphas and scan.batch_norm == "frozen"
    for i, a in enumerate(alphas):
        loss, accuracy = by_hand(model, interpolated(start, end, a, model), x, y)
        assert scan.loss[i] == pytest.approx(loss, rel=1e-12, abs=1e-14)
        assert scan.metrics["accuracy"][i] == accuracy


def test_the_whole_data_is_evaluated_whatever_its_batches():
    model, x, y = mlp(0), *data(31)
    start, end = mlp(2).state_dict(), model.state_dict()
    one = linear_path(model, CrossEntropy(), (x, y), start, end, alphas=[0, 0.5, 1])
    batches = [(x[i : i + 8], y[i : i + 8]) for i in range(0, 31, 8)]  # sizes 8, 8, 8, 7
    many = linear_path(model, CrossEntropy(), batches, start, end, alphas=[0, 0.5, 1])
    np.testing.assert_allclose(many.loss, one.loss, rtol=1e-12)
    np.testing.assert_array_equal(many.metrics["accuracy"], one.metrics["accuracy"])


def test_batch_norm_statistics_are_frozen_or_recomputed_at_each_point():
    model = mlp(0, batch_norm=True)
    x, y = data(40)
    model.train()
    with torch.no_grad():  # running statistics that differ from any point's
        model(x * 3 + 1)
    end = copy.deepcopy(model.state_dict())
    start = copy.deepcopy(mlp(1, batch_norm=True).state_dict())
    before = copy.deepcopy(model.state_dict())
    momentum = model[1].momentum
    frozen = linear_path(model, CrossEntropy(), (x, y), start, end, alphas=[0, 0.5, 1])
    fresh = linear_path(
        model, CrossEntropy(), (x, y), start, end, alphas=[0, 0.5, 1], batch_norm="recompute"
    )
    assert (frozen.batch_norm, fresh.batch_norm) == ("frozen", "recompute")
    for i, a in enumerate([0, 0.5, 1]):
        state = interpolated(start, end, a, model)
        assert frozen.loss[i] == pytest.approx(by_hand(model, state, x, y)[0], rel=1e-12)
        # recomputed: the statistics of the first layer's outputs on the data at this point
        hidden = F.linear(x, state["0.weight"], state["0.bias"])
        state["1.running_mean"], state["1.running_var"] = hidden.mean(0), hidden.var(0)
        assert fresh.loss[i] == pytest.approx(by_hand(model, state, x, y)[0], rel=1e-10)
    assert not np.allclose(frozen.loss, fresh.loss)
    assert model[1].momentum == momentum and model.training
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key


def test_recomputed_statistics_average_over_all_the_batches():
    model, (x, y) = mlp(0, batch_norm=True), data(40)
    state = copy.deepcopy(model.state_dict())
    batches = [(x[:20], y[:20]), (x[20:], y[20:])]
    scan = linear_path(
        model,
        CrossEntropy(),
        (x, y),
        state,
        state,
        alphas=[0, 1],
        batch_norm="recompute",
        batch_norm_data=batches,
    )
    hidden = [F.linear(b[0], state["0.weight"], state["0.bias"]) for b in batches]
    state["1.running_mean"] = sum(h.mean(0) for h in hidden) / 2  # momentum None: the mean
    state["1.running_var"] = sum(h.var(0) for h in hidden) / 2
    assert scan.loss[0] == pytest.approx(by_hand(model, state, x, y)[0], rel=1e-10)


def test_largest_rise_and_barrier():
    alphas = [-0.5, 0.0, 0.25, 0.5, 0.75, 1.0, 1.5]
    falling = [9.0, 3.0, 2.0, 1.0, 1.0, 0.5, 7.0]  # rises outside [0, 1] do not count
    assert largest_rise(alphas, falling) == 0.0
    bumpy = [0.0, 3.0, 2.0, 2.5, 1.0, 2.2, 0.0]
    assert largest_rise(alphas, bumpy) == pytest.approx(1.2)  # 1.0 at 0.75 up to 2.2 at 1
    assert barrier_height(alphas, [5, 1.0, 2.0, 4.0, 2.0, 3.0, 5]) == pytest.approx(2.0)
    with pytest.raises(ConfigError, match="alphas must include 0 and 1"):
        barrier_height([0.0, 0.5], [1.0, 2.0])


# -- the plane --------------------------------------------------------------------------------


def test_filter_normalisation_gives_each_filter_the_norm_of_the_weights_filter():
    torch.manual_seed(0)
    conv = torch.randn(6, 3, 5, 5, dtype=torch.float64)
    direction = filter_normalized(torch.randn_like(conv), conv)
    np.testing.assert_allclose(
        direction.flatten(1).norm(dim=1), conv.flatten(1).norm(dim=1), rtol=1e-12
    )
    linear = torch.randn(7, 4, dtype=torch.float64)  # a filter of a linear layer: one neuron
    np.testing.assert_allclose(
        filter_normalized(torch.randn_like(linear), linear).norm(dim=1), linear.norm(dim=1)
    )
    bias = torch.randn(7, dtype=torch.float64)
    assert torch.equal(filter_normalized(torch.randn_like(bias), bias), torch.zeros(7).double())
    assert torch.equal(filter_normalized(torch.randn_like(bias), bias, "copy"), bias)
    model = mlp(0)
    center = dict(model.named_parameters())
    d1, d2 = random_directions(center, seed=3)
    again = random_directions(center, seed=3)
    assert all(torch.equal(d1[k], again[0][k]) for k in d1) and not torch.equal(
        d1["0.weight"], d2["0.weight"]
    )
    np.testing.assert_allclose(
        d1["2.weight"].norm(dim=1), center["2.weight"].detach().norm(dim=1), rtol=1e-12
    )


def quadratic():
    """A model of 8 parameters and the objective 0.5 t'At + b't (t: its parameters, flat)."""
    g = torch.Generator().manual_seed(0)
    model = nn.Linear(3, 2).double()
    m = torch.randn(8, 8, generator=g, dtype=torch.float64)
    a, b = m @ m.T - 2 * torch.eye(8, dtype=torch.float64), torch.randn(8, generator=g).double()

    def objective(model, batch):
        t = torch.cat([p.reshape(-1) for p in model.parameters()])
        return 0.5 * t @ a @ t + b @ t, {}

    return model, objective, a, b


def test_a_quadratics_plane_equals_its_closed_form():
    model, objective, a, b = quadratic()
    alphas, betas = [-1.0, -0.3, 0.0, 0.5, 1.0], [-1.0, 0.0, 0.25, 1.0]
    scan = loss_plane(
        model,
        objective,
        (torch.zeros(1),),
        seed=5,
        one_dimensional="copy",
        alphas=alphas,
        betas=betas,
    )
    center = dict(model.named_parameters())
    d1, d2 = (
        torch.cat([d[k].reshape(-1) for k in center])
        for d in random_directions(center, seed=5, one_dimensional="copy")
    )
    t = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    grad, f0 = a @ t + b, 0.5 * t @ a @ t + b @ t
    for i, u in enumerate(alphas):
        for j, v in enumerate(betas):
            step = u * d1 + v * d2
            assert scan.loss[i, j] == pytest.approx(float(f0 + grad @ step + 0.5 * step @ a @ step))
    assert scan.loss.shape == (5, 4) and scan.seed == 5 and scan.batch_norm == "frozen"
    # directions given: the same plane, and the scan says it drew none
    given = loss_plane(
        model,
        objective,
        (torch.zeros(1),),
        directions=random_directions(center, seed=5, one_dimensional="copy"),
        alphas=alphas,
        betas=betas,
    )
    np.testing.assert_allclose(given.loss, scan.loss, rtol=1e-13)
    assert given.seed is None


# -- resuming ---------------------------------------------------------------------------------


class Stop(Exception):
    pass


def stop_after(points: int):
    def progress(done: int, total: int) -> None:
        if done == points:
            raise Stop

    return progress


class Counting(CrossEntropy):
    def __init__(self):
        super().__init__()
        self.calls = 0

    def __call__(self, model, batch):
        self.calls += 1
        return super().__call__(model, batch)


def test_an_interrupted_line_resumes_where_it_stopped(tmp_path):
    model, (x, y) = mlp(0), data()
    args = (model, CrossEntropy(), (x, y), mlp(1).state_dict(), model.state_dict())
    alphas = [i / 10 for i in range(-2, 13)]
    whole = linear_path(*args, alphas=alphas)
    path = tmp_path / "line.json"
    with pytest.raises(Stop):
        linear_path(*args, alphas=alphas, checkpoint_path=path, progress=stop_after(6))
    assert sorted(json.loads(path.read_text())["points"], key=int) == [str(i) for i in range(6)]
    counting = Counting()
    resumed = linear_path(*args[:1], counting, *args[2:], alphas=alphas, checkpoint_path=path)
    assert counting.calls == len(alphas) - 6  # only the points not yet done
    np.testing.assert_array_equal(resumed.loss, whole.loss)
    np.testing.assert_array_equal(resumed.metrics["accuracy"], whole.metrics["accuracy"])
    # a checkpoint of another scan is refused, not mixed in
    with pytest.raises(ConfigError, match="checkpoint_path .* another scan"):
        linear_path(*args, alphas=alphas[:-1], checkpoint_path=path)


def test_a_plane_interrupted_by_keyboard_interrupt_resumes_row_by_row(tmp_path):
    model, (x, y) = mlp(0), data()
    axis = [-0.5, 0.0, 0.5]
    whole = loss_plane(model, CrossEntropy(), (x, y), alphas=axis, betas=axis)
    path = tmp_path / "plane.json"

    def interrupt(done: int, total: int) -> None:
        if done == 5:  # in the middle of the second row
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        loss_plane(
            model,
            CrossEntropy(),
            (x, y),
            alphas=axis,
            betas=axis,
            checkpoint_path=path,
            progress=interrupt,
        )
    assert sorted(json.loads(path.read_text())["points"]) == ["0,0", "0,1", "0,2"]
    counting = Counting()
    resumed = loss_plane(model, counting, (x, y), alphas=axis, betas=axis, checkpoint_path=path)
    assert counting.calls == 6
    np.testing.assert_array_equal(resumed.loss, whole.loss)


def killed_scan_inputs():
    """A batch-norm model, its data and the grid of the scan the subprocess runs."""
    model = mlp(0, batch_norm=True)
    return model, CrossEntropy(), data(), [-0.5, 0.0, 0.5, 1.0]


KILLED_SCAN = """
import json, os, signal, sys
sys.path.insert(0, sys.argv[3])
from learnlab.analysis.landscape import loss_plane
from test_analysis_landscape import killed_scan_inputs
model, objective, batch, axis = killed_scan_inputs()
def kill(done, total):
    if done == int(sys.argv[2]):
        os.kill(os.getpid(), signal.SIGKILL)
scan = loss_plane(model, objective, batch, alphas=axis, betas=axis, batch_norm="recompute",
                  checkpoint_path=sys.argv[1], progress=kill)
print(json.dumps(scan.loss.tolist()))
"""


def test_a_killed_scan_leaves_its_finished_rows_and_resumes_to_the_same_grid(tmp_path):
    script, path = tmp_path / "scan.py", tmp_path / "plane.json"
    script.write_text(KILLED_SCAN)
    here = str(Path(__file__).parent)
    # the same thread count as this process, whose scan the resumed one must equal bit for bit
    env = {**os.environ, "OMP_NUM_THREADS": str(torch.get_num_threads())}
    killed = subprocess.run(
        [sys.executable, str(script), str(path), "10", here], capture_output=True, env=env
    )
    assert killed.returncode == -9, killed.stderr
    assert len(json.loads(path.read_text())["points"]) == 8  # two rows of four
    resumed = subprocess.run(
        [sys.executable, str(script), str(path), "0", here],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    model, objective, batch, axis = killed_scan_inputs()
    whole = loss_plane(model, objective, batch, alphas=axis, betas=axis, batch_norm="recompute")
    assert json.loads(resumed.stdout) == whole.loss.tolist()


# -- what the caller gives --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda m, s, d: linear_path(nn.ReLU(), CrossEntropy(), d, {}, {}), "model"),
        (lambda m, s, d: linear_path(m, CrossEntropy(), d, {"x": 1}, s), "start"),
        (
            lambda m, s, d: linear_path(m, CrossEntropy(), d, s, {**s, "0.bias": s["0.weight"]}),
            "end",
        ),
        (lambda m, s, d: linear_path(m, CrossEntropy(), d, s, s, alphas=[0, 1, 0.5]), "alphas"),
        (lambda m, s, d: linear_path(m, CrossEntropy(), d, s, s, batch_norm="live"), "batch_norm"),
        (lambda m, s, d: linear_path(m, CrossEntropy(), iter([d]), s, s), "data"),
        (lambda m, s, d: linear_path(m, CrossEntropy(), [], s, s), "data"),
        (lambda m, s, d: linear_path(m, lambda mm, b: (mm(b[0]), {}), d, s, s), "scalar"),
        (lambda m, s, d: loss_plane(m, CrossEntropy(), d, directions=[s]), "directions"),
        (
            lambda m, s, d: loss_plane(m, CrossEntropy(), d, one_dimensional="keep"),
            "one_dimensional",
        ),
        (lambda m, s, d: loss_plane(m, CrossEntropy(), d, betas=[]), "betas"),
    ],
)
def test_bad_input_is_a_config_error_naming_the_argument(call, match):
    model = mlp(0)
    with pytest.raises(ConfigError, match=match):
        call(model, model.state_dict(), data())


def test_the_figures_draw_from_the_numbers():
    line = line_scan_figure(
        alphas=[0, 0.5, 1], panels={"loss": {"train": [2, 1, 0.1], "test": [2, 1.1, 0.2]}}
    )
    plane = plane_contour_figure(
        alphas=[-1, 0, 1], betas=[-1, 0, 1, 2], values=np.arange(12.0).reshape(3, 4)
    )
    assert len(line.axes) == 1 and len(plane.axes) == 2  # the contour and its colour bar
