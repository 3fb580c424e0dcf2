"""The moe-cascade recipe: a tiny run of all four parts from the CLI (files, summary keys,
report sections), seed stability of the mixture and cascade parts, the config checks, and, as
a slow test, the default config against its claims."""

from __future__ import annotations

import json

import pytest
import torch
from rich.console import Console

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes.moe_cascade import MoeCascadeConfig
from learnlab.recipes.moe_cascade.cascade_part import CascadeConfig
from learnlab.recipes.moe_cascade.cascade_part import run_part as run_cascade
from learnlab.recipes.moe_cascade.mixture_part import MixtureConfig, dense_width
from learnlab.recipes.moe_cascade.mixture_part import run_part as run_mixture

TINY_MIXTURE = {"limit_train": 600, "epochs": 1, "experts": 4, "hidden": 8, "progress": False}
TINY_CASCADE = {
    "limit_train": 800,
    "val_size": 300,
    "limit_test": 400,
    "cheap_epochs": 1,
    "expensive_epochs": 1,
    "timing_repeats": 1,
    "progress": False,
}
TINY = {
    "mixture": TINY_MIXTURE,
    "cascade": TINY_CASCADE,
    "siamese": {
        "train_images": 300,
        "steps": 5,
        "batch_pairs": 16,
        "test_images": 100,
        "episodes": 20,
        "figure_episodes": 1,
        "progress": False,
    },
    "bilinear": {
        "train_examples": 200,
        "test_examples": 100,
        "epochs": 2,
        "mlp_size_multiples": [1, 2],
        "progress": False,
    },
}
SUMMARY_KEYS = [
    "moe_soft_test_accuracy",
    "moe_topk_test_accuracy",
    "moe_topk_nobalance_test_accuracy",
    "moe_dense_test_accuracy",
    "moe_topk_expert_load",
    "moe_topk_ms_per_step",
    "cascade_recall",
    "cascade_precision",
    "cascade_f1",
    "cascade_expensive_fraction",
    "siamese_oneshot_accuracy",
    "bilinear_test_accuracy",
]


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def _assignments(settings: dict) -> list[str]:
    argv = []
    for part, values in settings.items():
        for key, value in values.items():
            text = json.dumps(value) if not isinstance(value, bool) else str(value).lower()
            argv += ["--set", f"{part}.{key}={text}"]
    return argv


def test_tiny_run_of_every_part_from_the_cli(tmp_path, capsys, data_root):
    run_dir = tmp_path / "moe"
    assert main(["run", "moe-cascade", "--run-dir", str(run_dir), *_assignments(TINY)]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(run_dir)
    summary = json.loads((run_dir / "summary.json").read_text())
    for key in SUMMARY_KEYS:
        assert key in summary, key
    load = summary["moe_topk_expert_load"]
    assert len(load) == 4 and sum(load) == pytest.approx(1.0, abs=1e-3)
    assert 0 <= summary["cascade_expensive_fraction"] <= 1
    assert set(summary["part_seconds"]) == {"mixture", "cascade", "siamese", "bilinear"}
    page = (run_dir / "report.html").read_text()
    for title in ("Mixture of experts on MNIST", "Cascade: is it a 3?", "Expert load"):
        assert title in page
    assert page.count("data:image/png;base64,") >= 4


def test_mixture_and_cascade_parts_are_seed_stable(data_root):
    def once():
        mixture = run_mixture(MixtureConfig(**TINY_MIXTURE), console=Console(quiet=True))
        cascade = run_cascade(CascadeConfig(**TINY_CASCADE), console=Console(quiet=True))
        merged = {**mixture.summary, **cascade.summary}
        return {k: v for k, v in merged.items() if "seconds" not in k and "ms_per" not in k}

    first, second = once(), once()
    assert first == second
    # the cascade's recall cannot exceed what its first stage lets through
    assert first["cascade_recall"] <= 1 and first["cascade_expensive_fraction"] > 0


def test_dense_baseline_matches_the_active_parameters_of_top_k():
    config = MixtureConfig(experts=8, k=1, hidden=128)
    width = dense_width(config, 784, 10)
    active = 2 * (784 * 8 + 8) + (784 * 128 + 128 + 128 * 10 + 10)
    dense = 784 * width + width + width * 10 + 10
    assert abs(dense - active) <= 795  # within one hidden unit


@pytest.mark.parametrize(
    ("assignments", "match"),
    [
        (['parts=["mixture", "mixture"]'], "distinct"),
        (['parts=["boosting"]'], "parts"),
        (["mixture.k=0"], "k"),
        (["cascade.target_recall=1.5"], "target_recall"),
    ],
)
def test_bad_settings_are_refused(assignments, match):
    with pytest.raises(ConfigError, match=match):
        cfg.build_config(MoeCascadeConfig, assignments=assignments)


def test_k_larger_than_experts_is_refused_before_training():
    config = MixtureConfig(experts=2, k=3)
    with pytest.raises(ConfigError, match="at most"):
        run_mixture(config, console=Console(quiet=True))


@pytest.mark.slow
def test_default_recipe_meets_its_claims(tmp_path, data_root):
    torch.set_num_threads(2)
    run_dir = tmp_path / "moe-default"
    assert main(["run", "moe-cascade", "--run-dir", str(run_dir)]) == 0
    s = json.loads((run_dir / "summary.json").read_text())
    # mixture: every model learns MNIST; top-1 skips experts, so it is faster than soft gating;
    # the balancing loss makes routing more even than without it
    for key in ("dense", "soft", "topk", "topk_nobalance"):
        assert s[f"moe_{key}_test_accuracy"] >= 0.95, key
    assert s["moe_topk_ms_per_step"] < 0.8 * s["moe_soft_ms_per_step"]
    assert s["moe_topk_balance_loss"] < s["moe_topk_nobalance_balance_loss"]
    assert max(s["moe_topk_expert_load"]) < 0.25
    # cascade: near the target recall, the expensive model's precision, a fraction of its cost
    assert s["cascade_recall"] >= 0.97
    assert s["cascade_f1"] >= s["cascade_expensive_alone_f1"] - 0.01
    assert s["cascade_expensive_fraction"] <= 0.4
    assert s["cascade_seconds"] < s["cascade_expensive_alone_seconds"]
