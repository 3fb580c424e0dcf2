"""The char-transformer recipe.

Fast tests: the schedule, the config checks, the quick run end to end from the CLI (a 1-block
model on a few thousand characters, 50 steps) whose files and summary keys are checked, that
learns something and is seed-stable, its report rebuilt byte for byte, and --resume keeping
the finished language-model part. The real claims, a validation loss <= 1.80 nats per
character within 10 minutes of training on 2 cores with the default config, are the slow test
(`make test-slow`).
"""

from __future__ import annotations

import json
import math

import pytest
import torch

from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes import get_recipe, recipe_names
from learnlab.recipes.char_transformer.config import (
    TARGET_THREADS,
    TARGET_TRAIN_SECONDS,
    CharTransformerConfig,
)
from learnlab.recipes.char_transformer.language_model import optimizer_and_schedule
from learnlab.recipes.runner import run_recipe
from learnlab.runs import read_index

NAME = "char-transformer"
QUICK = dict(get_recipe(NAME).quick)
TIMING_KEYS = {"train_seconds", "encoder_train_seconds"}


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch, data_root):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("LEARNLAB_DATA", str(data_root))


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _run_cli(run_dir, **extra) -> dict:
    sets = [a for k, v in {**QUICK, **extra}.items() for a in ("--set", f"{k}={json.dumps(v)}")]
    assert main(["run", NAME, *sets, "--run-dir", str(run_dir)]) == 0
    return json.loads((run_dir / "summary.json").read_text())


def old_warmup_cosine(step: int, *, warmup: int, total: int, min_fraction: float) -> float:
    """The recipe's own lr factor before the shared schedules had a warm-up (the oracle)."""
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return min_fraction + (1 - min_fraction) * 0.5 * (1 + math.cos(math.pi * progress))


@pytest.mark.parametrize(
    ("epochs", "steps_per_epoch", "warmup", "min_fraction"),
    [(6, 250, 75, 0.1), (1, 14, 4, 0.1), (2, 5, 0, 0.0), (1, 7, 7, 0.3), (3, 9, 1, 1.0)],
)
def test_shared_warmup_schedule_keeps_the_recipes_learning_rates(
    epochs, steps_per_epoch, warmup, min_fraction
):
    config = CharTransformerConfig(
        epochs=epochs,
        steps_per_epoch=steps_per_epoch,
        warmup_steps=warmup,
        min_lr_fraction=min_fraction,
    )
    model = torch.nn.Linear(3, 2)  # a matrix and a bias: both parameter groups
    optimizer, schedule = optimizer_and_schedule(model, config)
    assert not isinstance(schedule, torch.optim.lr_scheduler.LambdaLR)  # the shared schedule
    for step in range(config.total_steps):
        want = config.lr * old_warmup_cosine(
            step, warmup=warmup, total=config.total_steps, min_fraction=min_fraction
        )
        for group in optimizer.param_groups:
            assert group["lr"] == pytest.approx(want, rel=1e-12, abs=1e-18), step
        optimizer.step()
        schedule.step()
    assert json.loads(json.dumps(schedule.state_dict())) == schedule.state_dict()


def _trained_weights(config: CharTransformerConfig, old_schedule: bool) -> list[torch.Tensor]:
    """A tiny char-transformer after `total_steps` AdamW steps on random tokens, with the shared
    schedule or the old LambdaLR of the recipe's own formula."""
    from learnlab.models import build_model

    torch.manual_seed(0)
    model = build_model("char-transformer", (8,), 11, dim=8, depth=1, heads=2)
    optimizer, schedule = optimizer_and_schedule(model, config)
    if old_schedule:  # the same AdamW, its lrs driven by the old LambdaLR from initial_lr
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer,
            lambda k: old_warmup_cosine(
                k,
                warmup=config.warmup_steps,
                total=config.total_steps,
                min_fraction=config.min_lr_fraction,
            ),
        )
    tokens = torch.randint(
        0, 11, (config.total_steps, 4, 9), generator=torch.Generator().manual_seed(1)
    )
    for batch in tokens:
        logits = model(batch[:, :-1])
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, 11), batch[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    return [p.detach().clone() for p in model.parameters()]


def test_shared_schedule_gives_bit_identical_weights_to_the_old_one():
    config = CharTransformerConfig(epochs=2, steps_per_epoch=15, warmup_steps=6)
    new, old = _trained_weights(config, False), _trained_weights(config, True)
    assert all(torch.equal(a, b) for a, b in zip(new, old, strict=True))


def test_registered_and_config_checked_before_anything_is_written(tmp_path):
    assert NAME in recipe_names()
    assert get_recipe(NAME).config_class is CharTransformerConfig
    with pytest.raises(ConfigError, match="must divide dim"):
        run_recipe(NAME, CharTransformerConfig(dim=30, heads=4), run_dir=tmp_path / "a")
    with pytest.raises(ConfigError, match="warmup_steps"):
        bad = CharTransformerConfig(epochs=1, steps_per_epoch=5, warmup_steps=6)
        run_recipe(NAME, bad, run_dir=tmp_path / "b")
    with pytest.raises(ConfigError, match="sample_prompt"):
        run_recipe(NAME, CharTransformerConfig(sample_prompt="ROMEO™"), run_dir=tmp_path / "c")
    assert not any((tmp_path / name).exists() for name in "abc")


def test_quick_run_writes_its_files_learns_and_is_seed_stable(tmp_path):
    summary = _run_cli(tmp_path / "one")
    one = tmp_path / "one"
    for name in ("report.html", "sample.txt", "metrics.jsonl", "language_model/model.safetensors"):
        assert (one / name).is_file(), name
    for part in ("language_model", "encoder"):
        assert (one / part / "summary.json").is_file() and (one / part / "report.html").is_file()
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
    assert summary["steps"] == QUICK["epochs"] * QUICK["steps_per_epoch"] == 50
    assert summary["val_bits_per_char"] == pytest.approx(summary["val_loss_nats"] / 0.6931471806)
    # Constant predictors on these 992 validation characters: uniform over the 65 characters
    # scores log(65) = 4.17 nats, the character frequencies of the 5,000 training characters
    # 3.76 (frequencies fitted to the validation text itself: 3.29). 50 steps reach 3.58.
    assert summary["val_loss_nats"] < 3.70 < math.log(65)
    sample = (one / "sample.txt").read_text()
    assert sample.startswith("ROMEO:") and len(sample) == len("ROMEO:") + 30 + 1
    report = (one / "report.html").read_text()
    assert "val_loss_nats" in report and "bag of tokens" in report
    assert sample.splitlines()[0] in report  # the sample, shown from the part's table
    assert read_index()[-1]["kind"] == NAME
    again = _run_cli(tmp_path / "two")
    for key in ("val_loss_nats", "train_loss", "encoder_test_accuracy"):
        assert again[key] == summary[key], key
    assert (tmp_path / "two" / "sample.txt").read_text() == sample


def test_learnlab_report_rebuilds_the_same_pages(tmp_path, capsys):
    run_dir = run_recipe(NAME, QUICK, run_dir=tmp_path / "run").run_dir
    pages = ["report.html", "language_model/report.html", "encoder/report.html"]
    first = {page: (run_dir / page).read_bytes() for page in pages}
    sample = (run_dir / "sample.txt").read_bytes()
    for page in pages:
        (run_dir / page).unlink()
    assert main(["report", str(run_dir)]) == 0
    assert capsys.readouterr().out.strip() == str(run_dir / "report.html")
    assert {page: (run_dir / page).read_bytes() for page in pages} == first
    assert (run_dir / "sample.txt").read_bytes() == sample  # the report leaves it alone


def test_resume_keeps_the_finished_language_model(tmp_path):
    run_dir = run_recipe(NAME, QUICK, run_dir=tmp_path / "run").run_dir
    first = json.loads((run_dir / "summary.json").read_text())
    sample = (run_dir / "sample.txt").read_bytes()
    weights = run_dir / "language_model" / "model.safetensors"
    written = weights.stat().st_mtime_ns
    # as if the run had stopped during the encoder part: no encoder result, no parent result
    for name in ("summary.json", "result.json", "report.html", "sample.txt"):
        (run_dir / name).unlink()
    (run_dir / "encoder" / "summary.json").unlink()
    resumed = run_recipe(NAME, QUICK, resume=run_dir).summary
    assert weights.stat().st_mtime_ns == written  # read back, not trained again
    assert resumed["train_seconds"] == first["train_seconds"]
    assert {k: v for k, v in resumed.items() if k not in TIMING_KEYS} == {
        k: v for k, v in first.items() if k not in TIMING_KEYS
    }
    assert (run_dir / "sample.txt").read_bytes() == sample


@pytest.mark.slow
def test_default_recipe_reaches_the_target(tmp_path):
    from learnlab.train.seeding import torch_threads

    with torch_threads(TARGET_THREADS):  # the target is for 2 CPU cores
        summary = run_recipe(NAME, {"progress": False}, run_dir=tmp_path / "full").summary
    # Measured: 1.598 nats/char after 378 s of training with 2 threads (692 s with one), so
    # both limits hold with a margin (0.2 nats; 1.6x the time for a slower or busier machine).
    assert summary["val_loss_nats"] <= 1.80, summary
    assert summary["torch_threads"] == TARGET_THREADS
    assert summary["train_seconds"] <= TARGET_TRAIN_SECONDS, summary
    assert summary["reached_target"]
    assert summary["encoder_test_accuracy"] >= summary["bag_of_tokens_test_accuracy"] + 0.2
