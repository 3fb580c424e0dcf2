"""The gcn-karate recipe.

Fast: the config checks, seed stability of the karate part, and one tiny run from the CLI
(few steps, 10 small graphs per family) whose files and summary keys are checked. The claims
(>= 85% on the karate club's unlabelled nodes from one label per faction; the graph model far
above the node-and-edge-count baseline) are the slow test (`make test-slow`).
"""

from __future__ import annotations

import json

import pytest
import torch

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes import get_recipe, recipe_names
from learnlab.recipes.gcn_karate.config import GcnKarateConfig
from learnlab.recipes.gcn_karate.karate import train_karate
from learnlab.recipes.runner import run_recipe
from learnlab.runs import read_index

TINY = {
    "karate_steps": 30,
    "graphs_per_family": 8,
    "min_nodes": 8,
    "max_nodes": 12,
    "graph_epochs": 2,
    "graph_hidden": 8,
    "progress": False,
}


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_registered_with_its_config():
    assert "gcn-karate" in recipe_names()
    assert get_recipe("gcn-karate").config_class is GcnKarateConfig


@pytest.mark.parametrize(
    ("data", "match"),
    [({"karate_steps": 0}, "karate_steps"), ({"train_fraction": 1.0}, "train_fraction")],
)
def test_bad_settings_are_config_errors(data, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(GcnKarateConfig, data)


def test_inconsistent_settings_are_refused_before_any_file_is_written(tmp_path, capsys):
    with pytest.raises(ConfigError, match="min_nodes"):
        run_recipe("gcn-karate", {"min_nodes": 30, "max_nodes": 20}, run_dir=tmp_path / "a")
    with pytest.raises(ConfigError, match="no training or"):
        run_recipe("gcn-karate", {"graphs_per_family": 2, "train_fraction": 0.05})
    assert not (tmp_path / "a").exists()
    # a dry run finds them too
    assert main(["run", "gcn-karate", "--dry-run", "--set", "min_nodes=50"]) == 2
    assert "max_nodes" in capsys.readouterr().err


def test_karate_part_is_seed_stable():
    config = GcnKarateConfig(karate_steps=40)
    first, again = train_karate(config, True), train_karate(config, True)
    assert first["outputs"] == again["outputs"]
    other = train_karate(GcnKarateConfig(karate_steps=40, seed=1), True)
    assert other["outputs"] != first["outputs"]


def test_tiny_run_from_the_cli(tmp_path, capsys):
    run_dir = tmp_path / "gcn"
    argv = ["run", "gcn-karate", "--run-dir", str(run_dir)]
    for key, value in TINY.items():
        argv += ["--set", f"{key}={json.dumps(value)}"]
    assert main(argv) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(run_dir)
    summary = json.loads((run_dir / "summary.json").read_text())
    for key in (
        "test_accuracy",
        "mlp_test_accuracy",
        "graph_test_accuracy",
        "graph_no_edges_test_accuracy",
        "graph_counts_baseline_test_accuracy",
    ):
        assert 0 <= summary[key] <= 1, key
    assert summary["unlabelled_nodes"] == 32
    assert summary["train_graphs"] == 18 and summary["test_graphs"] == 6
    page = (run_dir / "report.html").read_text()
    assert "karate club: accuracy on the 32 unlabelled nodes" in page
    assert "node and edge counts" in page and page.count("data:image/png") >= 2
    assert read_index()[-1]["kind"] == "gcn-karate"


@pytest.mark.slow
def test_default_settings_reach_the_targets(tmp_path):
    config = GcnKarateConfig(progress=False)
    summary = run_recipe("gcn-karate", config, run_dir=tmp_path / "gcn").summary
    assert summary["test_accuracy"] >= 0.85, summary
    assert summary["mlp_test_accuracy"] <= 0.6, summary  # without the graph: chance
    assert summary["graph_test_accuracy"] >= 0.9, summary
    assert summary["graph_counts_baseline_test_accuracy"] <= 0.5, summary
