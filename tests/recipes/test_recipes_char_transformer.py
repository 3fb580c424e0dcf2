"""The char-transformer recipe.

Fast tests: the schedule, the config checks, and one tiny run end to end from the CLI
(a 1-block model on a few thousand characters, a few steps) whose files and summary keys are
checked, and that is seed-stable. The real claim, a validation loss <= 1.80 nats per character
with the default config, is the slow test (`make test-slow`).
"""

from __future__ import annotations

import json

import pytest
import torch

from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes import get_recipe, recipe_names
from learnlab.recipes.char_transformer import CharTransformerConfig, run, warmup_cosine

TINY = [
    "context=16",
    "dim=16",
    "depth=1",
    "heads=2",
    "epochs=2",
    "steps_per_epoch=3",
    "batch_size=4",
    "warmup_steps=2",
    "limit_train_chars=5000",
    "limit_val_chars=1000",
    "sample_chars=30",
    "encoder_train=64",
    "encoder_test=32",
    "encoder_epochs=1",
    "encoder_dim=8",
    "encoder_depth=1",
    "progress=false",
]


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch, data_root):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("LEARNLAB_DATA", str(data_root))
    torch.set_num_threads(1)


def _run_cli(run_dir, *extra: str) -> dict:
    sets = [arg for item in [*TINY, *extra] for arg in ("--set", item)]
    assert main(["run", "char-transformer", *sets, "--run-dir", str(run_dir)]) == 0
    return json.loads((run_dir / "summary.json").read_text())


def test_warmup_then_cosine():
    lrs = [warmup_cosine(k, warmup=4, total=14, min_fraction=0.1) for k in range(15)]
    assert lrs[:4] == pytest.approx([0.25, 0.5, 0.75, 1.0])
    assert lrs[4] == pytest.approx(1.0) and lrs[9] == pytest.approx(0.55)
    assert lrs[14] == pytest.approx(0.1)
    assert all(a >= b for a, b in zip(lrs[4:], lrs[5:], strict=False))


def test_registered_and_config_checked(tmp_path):
    assert "char-transformer" in recipe_names()
    assert get_recipe("char-transformer").config_class is CharTransformerConfig
    with pytest.raises(ConfigError, match="must divide dim"):
        run(CharTransformerConfig(dim=30, heads=4), run_dir=tmp_path / "a")
    with pytest.raises(ConfigError, match="warmup_steps"):
        run(CharTransformerConfig(epochs=1, steps_per_epoch=5, warmup_steps=6), run_dir=tmp_path)
    with pytest.raises(ConfigError, match="sample_prompt"):
        run(CharTransformerConfig(sample_prompt="ROMEO™"), run_dir=tmp_path / "b")
    assert not (tmp_path / "b").exists()


def test_tiny_run_writes_its_files_and_is_seed_stable(tmp_path):
    summary = _run_cli(tmp_path / "one")
    for name in ("report.html", "sample.txt", "model.safetensors", "metrics.jsonl"):
        assert (tmp_path / "one" / name).is_file(), name
    for key in (
        "val_loss_nats",
        "val_bits_per_char",
        "train_loss",
        "steps",
        "train_seconds",
        "parameters",
        "encoder_test_accuracy",
        "bag_of_tokens_test_accuracy",
    ):
        assert key in summary, key
    assert summary["steps"] == 6
    assert summary["val_bits_per_char"] == pytest.approx(summary["val_loss_nats"] / 0.6931471806)
    # 6 steps from uniform predictions: the loss is near log(65) = 4.17 nats
    assert 3.0 < summary["val_loss_nats"] < 4.5
    sample = (tmp_path / "one" / "sample.txt").read_text()
    assert sample.startswith("ROMEO:") and len(sample) == len("ROMEO:") + 30 + 1
    report = (tmp_path / "one" / "report.html").read_text()
    assert "val_loss_nats" in report and "bag of tokens" in report
    again = _run_cli(tmp_path / "two")
    for key in ("val_loss_nats", "train_loss", "encoder_test_accuracy"):
        assert again[key] == summary[key], key
    assert (tmp_path / "two" / "sample.txt").read_text() == sample


@pytest.mark.slow
def test_default_recipe_reaches_the_target(tmp_path):
    outcome = run(CharTransformerConfig(progress=False), run_dir=tmp_path / "full")
    assert outcome.summary["val_loss_nats"] <= 1.80
    assert (
        outcome.summary["encoder_test_accuracy"]
        >= outcome.summary["bag_of_tokens_test_accuracy"] + 0.2
    )
