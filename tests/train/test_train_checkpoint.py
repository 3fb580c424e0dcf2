"""Checkpoint files: round trip of nested state, atomic replacement, clear errors."""

from __future__ import annotations

import math
import os

import pytest
import torch

from learnlab import fileio
from learnlab.errors import DataError
from learnlab.fileio import atomic_write_bytes
from learnlab.train.checkpoint import load_state, save_state


def nested_state():
    model = torch.nn.Linear(4, 3)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    model(torch.randn(2, 4)).sum().backward()
    opt.step()
    return {
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "rng": torch.get_rng_state(),
        "numbers": [1, 2.5, math.inf, -math.inf, None, True, "text"],
        "pair": (3, 4),
        "int_keys": {0: torch.zeros(2), 7: {"a": 1}},
    }


def test_round_trip_preserves_structure_types_and_values(tmp_path):
    state = nested_state()
    path = tmp_path / "ckpt.safetensors"
    save_state(path, state)
    back = load_state(path)
    assert back["pair"] == (3, 4)
    assert back["numbers"][:4] == [1, 2.5, math.inf, -math.inf] and back["numbers"][4:] == [
        None,
        True,
        "text",
    ]
    assert set(back["int_keys"]) == {0, 7}
    assert torch.equal(back["rng"], state["rng"])
    for k, v in state["model"].items():
        assert torch.equal(back["model"][k], v)
    assert back["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    fresh = torch.optim.Adam(torch.nn.Linear(4, 3).parameters())
    fresh.load_state_dict(back["optimizer"])  # torch accepts what came back


def test_failed_write_leaves_the_previous_checkpoint_intact(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    save_state(path, {"v": torch.ones(3)})

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(fileio.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        save_state(path, {"v": torch.zeros(3)})
    monkeypatch.undo()
    assert torch.equal(load_state(path)["v"], torch.ones(3))
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]  # no temporary file left behind


def test_damaged_and_missing_checkpoints_get_clear_errors(tmp_path):
    with pytest.raises(DataError, match="no checkpoint"):
        load_state(tmp_path / "nope.safetensors")
    path = tmp_path / "ckpt.safetensors"
    save_state(path, {"v": torch.ones(1000)})
    atomic_write_bytes(path, path.read_bytes()[:100])
    with pytest.raises(DataError, match="damaged"):
        load_state(path)
