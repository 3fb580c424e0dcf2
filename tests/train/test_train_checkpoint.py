"""Checkpoint files: round trip of nested state, atomic replacement, clear errors."""

from __future__ import annotations

import json
import math
import os

import pytest
import torch

from learnlab.io import atomic as fileio
from learnlab.io.atomic import atomic_write_bytes
from learnlab.io.errors import DataError
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


def trained_checkpoint(path):
    """A real checkpoint: a trainer's state after a few Adam steps (a few hundred KB)."""
    from learnlab.data.loader import TensorLoader
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.train.trainer import Trainer

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(16, 256), torch.nn.ReLU(), torch.nn.Linear(256, 4))
    trainer = Trainer(model, CrossEntropy(), torch.optim.Adam(model.parameters()))
    x, y = torch.randn(64, 16), torch.randint(0, 4, (64,))
    trainer.fit(TensorLoader(x, y, batch_size=16, seed=0), epochs=1)
    save_state(path, {"trainer": trainer.state_dict(), "extra": {"epoch_marker": 12345}})
    return trainer


def flip_byte(path, offset):
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_checksums_are_in_the_header_and_verified(tmp_path):
    from learnlab.train.checkpoint import FORMAT_VERSION, METADATA_KEY, tensors_sha256

    path = tmp_path / "checkpoint.safetensors"
    trainer = trained_checkpoint(path)
    header_len = int.from_bytes(path.read_bytes()[:8], "little")
    header = json.loads(path.read_bytes()[8 : 8 + header_len])
    meta = json.loads(header["__metadata__"][METADATA_KEY])
    assert meta["format"] == FORMAT_VERSION == 2
    assert set(meta["sha256"]) == {"tensors", "state"}
    back = load_state(path)["trainer"]
    for name, value in trainer.model.state_dict().items():
        assert torch.equal(back["model"][name], value)
    # the digest does not depend on insertion order, and sees dtype, shape and every byte
    t = {"a": torch.arange(6.0), "b": torch.ones(2, dtype=torch.bfloat16), "c": torch.tensor(3)}
    digest = tensors_sha256(t)
    assert digest == tensors_sha256(dict(reversed(list(t.items()))))
    assert digest != tensors_sha256({**t, "a": torch.arange(6.0).reshape(2, 3)})
    assert digest != tensors_sha256({**t, "a": torch.arange(6.0).double()})
    changed = torch.arange(6.0)
    changed[5] = torch.nextafter(changed[5], torch.tensor(10.0))
    assert digest != tensors_sha256({**t, "a": changed})


def test_a_flipped_byte_in_the_tensor_data_is_refused(tmp_path):
    path = tmp_path / "checkpoint.safetensors"
    trained_checkpoint(path)
    size = path.stat().st_size
    flip_byte(path, size - 1000)  # inside the tensor data, which ends the file
    with pytest.raises(DataError) as err:
        load_state(path)
    message = str(err.value)
    assert str(path) in message and "checksum mismatch in the tensor data" in message
    assert "changed or damaged" in message and "earlier checkpoint" in message


def test_a_changed_number_in_the_json_state_is_refused(tmp_path):
    path = tmp_path / "checkpoint.safetensors"
    trained_checkpoint(path)
    data = path.read_bytes()
    assert data.count(b"12345") == 1
    path.write_bytes(data.replace(b"12345", b"12346"))  # still valid JSON and safetensors
    with pytest.raises(DataError, match="checksum mismatch in the JSON state"):
        load_state(path)


@pytest.mark.parametrize("keep", [0.0, 0.5, 0.99])
def test_a_truncated_checkpoint_is_refused_with_its_name(tmp_path, keep):
    path = tmp_path / "checkpoint.safetensors"
    trained_checkpoint(path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(DataError) as err:
        load_state(path)
    assert str(path) in str(err.value)
    assert "Traceback" not in str(err.value)


def test_format_1_checkpoints_without_checksums_still_load(tmp_path):
    from safetensors.torch import save

    from learnlab.train.checkpoint import METADATA_KEY
    from learnlab.train.state_codec import encode

    tensors: dict = {}
    meta = encode({"v": torch.arange(4.0), "epoch": 2}, "s", tensors)
    header = json.dumps({"format": 1, "state": meta})
    path = tmp_path / "old.safetensors"
    path.write_bytes(save(tensors, metadata={METADATA_KEY: header}))
    back = load_state(path)
    assert back["epoch"] == 2 and torch.equal(back["v"], torch.arange(4.0))
    path.write_bytes(
        save(tensors, metadata={METADATA_KEY: header.replace('"format": 1', '"format": 9')})
    )
    with pytest.raises(DataError, match="format 9"):
        load_state(path)


def test_checkpointer_removes_temp_files_left_by_killed_writes(tmp_path):
    from learnlab.train.callbacks import Checkpointer

    stale = [
        tmp_path / ".checkpoint.safetensors.ab12cd_9.tmp",
        tmp_path / ".metrics.jsonl.zzzzzzzz.tmp",
    ]
    kept = [tmp_path / "notes.tmp", tmp_path / ".hidden", tmp_path / "metrics.jsonl"]
    for path in stale + kept:
        path.write_bytes(b"partial")
    Checkpointer(tmp_path / "checkpoint.safetensors").before_fit(trainer=None)
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in kept)
