"""`learnlab analyze RUN hessian|attack` on a small trained run: the numbers agree with an
independent computation (the dense Hessian's eigenvalues and trace; the clean error at
eps = 0), and bad input exits 2 with a message."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F

from learnlab.cli import main
from learnlab.models.saved import load_model
from learnlab.pipeline.trained_run import load_trained_run


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("analyze") / "run"
    argv = ["train", "--dataset", "digits", "--model", "mlp", "--epochs", "3", "--seed", "0"]
    for setting in ("model_options.width=4", "model_options.depth=1", "progress=false"):
        argv += ["--set", setting]
    assert main([*argv, "--run-dir", str(path)]) == 0
    return path


def _json(capsys, argv: list[str]) -> dict:
    capsys.readouterr()
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_hessian_agrees_with_the_dense_hessian(run_dir, capsys):
    numbers = _json(
        capsys,
        [
            "analyze",
            str(run_dir),
            "hessian",
            "--k",
            "3",
            "--examples",
            "200",
            "--json",
            "--samples",
            "400",
        ],
    )
    model = load_model(run_dir).double()
    train = load_trained_run(run_dir).data.train
    x, y = train.x[:200].double(), train.y[:200]
    params = {name: p.detach() for name, p in model.named_parameters()}

    def loss(flat: torch.Tensor) -> torch.Tensor:
        weights, start = {}, 0
        for name, p in params.items():
            weights[name] = flat[start : start + p.numel()].view_as(p)
            start += p.numel()
        return F.cross_entropy(torch.func.functional_call(model, weights, (x,)), y)

    flat = torch.cat([p.reshape(-1) for p in params.values()])
    dense = torch.func.hessian(loss)(flat)
    exact = torch.linalg.eigvalsh(dense).flip(0)
    assert numbers["parameters"] == flat.numel()
    assert numbers["top_eigenvalues"] == pytest.approx(exact[:3].tolist(), rel=1e-3)
    error = numbers["trace_standard_error"]
    assert abs(numbers["trace"] - float(dense.trace())) <= 3 * error + 1e-6
    assert numbers["index"] == pytest.approx(
        float((exact < -1e-6 * exact.abs().max()).double().mean()), abs=2e-2
    )


def test_attack_at_zero_budget_is_the_clean_error(run_dir, capsys):
    numbers = _json(
        capsys,
        ["analyze", str(run_dir), "attack", "--eps", "0", "0.3", "--examples", "300", "--json"],
    )
    run = load_trained_run(run_dir)
    with torch.no_grad():
        predicted = run.model(run.data.test.x[:300]).argmax(dim=1)
    clean = float((predicted != run.data.test.y[:300]).double().mean())
    zero, large = numbers["eps"]
    assert numbers["examples"] == 300 and zero["error"] == pytest.approx(clean)
    assert large["error"] > zero["error"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["attack", "--eps", "-0.1"], "eps=-0.1: it must be a finite number >= 0"),
        (["attack", "--method", "cw"], "--method 'cw'; choose fgsm or pgd"),
        (["hessian", "--k", "100000"], "k=100000"),
        (["hessian", "--examples", "0"], "--examples 0"),
        (["hessian", "--index-runs", "1"], "--index-runs 1: give 2 or more"),
    ],
)
def test_bad_input_exits_2_with_a_message(run_dir, capsys, argv, message):
    capsys.readouterr()
    assert main(["analyze", str(run_dir), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_directory_without_a_trained_model_exits_2(tmp_path, capsys):
    assert main(["analyze", str(tmp_path), "hessian"]) == 2
    assert "no trained model there" in capsys.readouterr().err
