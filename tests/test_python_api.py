"""The Python API in PyTorch's conventions: `run_training` takes your own nn.Module (or a class
or function that builds one) and hands back the trained model; `load_model(run)` returns the
model and `load_model_info(run)` what it was trained on; a run of a model given as an object
says how to load and resume it; `BatchedEnsemble.fit` returns the ensemble, as scikit-learn's
`fit` does."""

from __future__ import annotations

import json
import math

import pytest
import torch
from torch import nn

from learnlab.cli import main
from learnlab.config import TrainConfig
from learnlab.io.errors import ConfigError
from learnlab.models import build_model, load_model, load_model_info
from learnlab.pipeline import run_training
from learnlab.runs import read_index
from learnlab.scale.ensemble import BatchedEnsemble


class Net(nn.Module):
    def __init__(self, input_shape=(1, 8, 8), num_outputs=10, width=16):
        super().__init__()
        self.body = nn.Sequential(
            nn.Flatten(),
            nn.Linear(math.prod(input_shape), width),
            nn.ReLU(),
            nn.Linear(width, num_outputs),
        )

    def forward(self, x):
        return self.body(x)


def quick(**settings) -> TrainConfig:
    base = dict(dataset="digits", epochs=1, progress=False, baselines=False, lr=0.01)
    return TrainConfig(**{**base, **settings})


@pytest.fixture(autouse=True)
def runs_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))


def test_run_training_trains_a_given_module_in_place_and_hands_it_back(tmp_path):
    net = Net()
    before = [p.detach().clone() for p in net.parameters()]
    published = run_training(quick(), model=net, run_dir=tmp_path / "run", report=False)
    assert published.model is net and not net.training
    assert any(not torch.equal(a, b) for a, b in zip(before, net.parameters(), strict=True))
    name = f"python:{__name__}.Net"
    assert json.loads((tmp_path / "run" / "config.json").read_text())["model"] == name
    assert published.summary["model"] == name and load_model_info(tmp_path / "run")["model"] == name
    assert read_index()[-1]["model"] == name  # `learnlab runs` shows what was trained
    # the registry cannot rebuild it: the error says how to load it, and that works
    with pytest.raises(ConfigError, match=r"load_model\(run, model="):
        load_model(tmp_path / "run")
    again = load_model(tmp_path / "run", model=Net())
    assert isinstance(again, Net) and not again.training
    x = torch.randn(5, 1, 8, 8)
    with torch.no_grad():
        assert torch.equal(again(x), net(x))


def test_run_training_calls_a_given_class_or_function_like_a_registered_factory(tmp_path):
    def build(input_shape, num_outputs, width=4):
        return Net(input_shape, num_outputs, width)

    config = quick(model_options={"width": 8}, seed=3)
    by_function = run_training(config, model=build, run_dir=tmp_path / "a", report=False)
    by_class = run_training(config, model=Net, report=False)  # the default run directory
    assert by_function.model.body[1].out_features == 8  # model_options reached the factory
    # built after the run's seed is set: the same weights and numbers either way
    assert by_function.summary["test_loss"] == by_class.summary["test_loss"]
    assert by_class.summary["model"] == f"python:{__name__}.Net"
    assert by_class.run_dir.name.endswith("-digits-Net")


def test_given_model_mistakes_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="two models given"):
        run_training(quick(model="mlp"), model=Net(), run_dir=tmp_path / "a")
    with pytest.raises(ConfigError, match="model_options"):
        run_training(quick(model_options={"width": 8}), model=Net(), run_dir=tmp_path / "b")
    with pytest.raises(ConfigError, match="nn.Module"):
        run_training(quick(), model="mlp", run_dir=tmp_path / "c")
    with pytest.raises(ConfigError, match="model=..."):
        TrainConfig(model=f"python:{__name__}.Net")


def test_a_run_of_a_given_model_resumes_from_python_not_the_command_line(tmp_path, capsys):
    run = tmp_path / "run"
    first = run_training(quick(epochs=2), model=Net(), run_dir=run, report=False)
    assert main(["train", "--resume", str(run)]) == 2
    err = capsys.readouterr().err
    assert "resume from Python" in err and "run_training(config, model=..., resume=" in err
    assert "Traceback" not in err
    resumed = run_training(quick(epochs=2), model=Net(), resume=run, report=False)
    assert resumed.summary["test_loss"] == first.summary["test_loss"]


def test_published_model_and_load_model_are_the_trained_network(tmp_path):
    published = run_training(quick(model="mlp"), run_dir=tmp_path / "run", report=False)
    model = load_model(tmp_path / "run")
    assert isinstance(model, nn.Module) and not model.training  # the model, not a tuple
    assert isinstance(published.model, nn.Module) and not published.model.training
    info = load_model_info(tmp_path / "run")
    assert info["model"] == "mlp" and info["dataset"] == "digits" and "scale" in info
    x = torch.randn(7, 1, 8, 8)
    with torch.no_grad():
        assert torch.equal(model(x), published.model(x))
    assert published.models == {"model": published.model}


def test_batched_ensemble_fit_returns_the_ensemble():
    x, y = torch.randn(40, 1, 12), torch.randint(0, 3, (40,))
    ensemble = BatchedEnsemble(lambda: build_model("mlp", (1, 12), 3, width=8), seeds=[0, 1])
    assert ensemble.fit(x, y, epochs=2, batch_size=16) is ensemble
    assert len(ensemble.history_) == 2 and ensemble.history_[-1]["train_loss"].shape == (2,)
