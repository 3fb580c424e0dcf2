"""The optimizers' state survives a checkpoint: a Trainer stopped after one epoch, saved with
learnlab.train.checkpoint (safetensors + JSON), loaded into fresh objects and continued, ends
bit-identical to an uninterrupted run (what `learnlab train --resume` relies on)."""

from __future__ import annotations

import pytest
import torch

from learnlab.data.loader import TensorLoader
from learnlab.objectives.supervised import CrossEntropy
from learnlab.train.checkpoint import load_state, save_state
from learnlab.train.optimizers import build_optimizer, needs_closure
from learnlab.train.trainer import Trainer

OPTIONS = {"newton": {}, "cg": {"beta": "fr", "max_iter": 2}, "newton-cg": {"cg_iters": 3}}


def parts(name: str) -> tuple[Trainer, TensorLoader]:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(5, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3))
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(48, 5, generator=gen)
    y = (x @ torch.randn(5, 3, generator=gen)).argmax(1)  # labels a linear teacher gives
    optimizer = build_optimizer(name, model.parameters(), lr=1.0, options=OPTIONS[name])
    return Trainer(model, CrossEntropy(), optimizer), TensorLoader(x, y, batch_size=48, seed=0)


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_resumed_training_is_bit_identical(name, tmp_path):
    straight, loader = parts(name)
    assert needs_closure(straight.optimizer)
    straight.fit(loader, epochs=3)

    first, loader = parts(name)
    first.fit(loader, epochs=1)
    save_state(tmp_path / "checkpoint.safetensors", first.state_dict())
    resumed, loader = parts(name)
    resumed.load_state_dict(load_state(tmp_path / "checkpoint.safetensors"), train_loader=loader)
    assert resumed.optimizer.state_dict()["state"]  # damping, directions... came back
    resumed.fit(loader, epochs=3)

    for a, b in zip(straight.model.parameters(), resumed.model.parameters(), strict=True):
        assert torch.equal(a, b)
    assert straight.history[-1]["train_loss"] == resumed.history[-1]["train_loss"]
    assert straight.history[-1]["train_loss"] < straight.history[0]["train_loss"]  # it learns
