"""The szegedy-distortion reproduction (Szegedy et al. 2014, Table 1): quick runs through the
Python API and the CLI, the tables and figure it reports, and bad settings refused with exit 2.
"""

from __future__ import annotations

import json

import pytest
import torch

from learnlab.cli import main
from learnlab.recipes import get_recipe
from learnlab.recipes.reproduce import TABLE_NAME
from learnlab.recipes.runner import run_recipe
from learnlab.recipes.szegedy_distortion.attacks import wrong_targets
from learnlab.recipes.szegedy_distortion.reproduction import PAPER_TABLE_1

NAME = "szegedy-distortion"


pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def test_the_claims_are_table_1s_distortions():
    claims = get_recipe(NAME).reproduction.claims
    assert [c.paper for c in claims] == [0.062, 0.1, 0.14, 0.058, 0.065]
    assert [d for _, d in PAPER_TABLE_1.values()] == [c.paper for c in claims]


def test_targets_are_wrong_classes_drawn_from_the_seed():
    labels = torch.arange(10).repeat(20)
    targets = wrong_targets(labels, seed=3)
    assert (targets != labels).all() and targets.min() >= 0 and targets.max() <= 9
    assert torch.equal(targets, wrong_targets(labels, seed=3))
    assert len(set(targets.tolist())) == 10


def test_quick_run_attacks_each_network_and_reports_distortion_and_transfer(tmp_path, data_root):
    run_dir = tmp_path / "szegedy"
    argv = ["reproduce", NAME, "--quick", "--run-dir", str(run_dir)]
    assert main([*argv, "--set", f"data_root={data_root}", "--set", "download=false"]) == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    for stem in ("fc10_1e_4", "fc100_100_10"):
        assert 0 < summary[f"success_{stem}"] <= 1
        # a successful change of a few pixels' worth: far below an image's own size
        assert 0 < summary[f"distortion_{stem}"] < 0.5
        assert 0 <= summary[f"test_error_percent_{stem}"] < 60
    assert summary["attack_images"] == 6
    tables = json.loads((run_dir / "tables.json").read_text())
    assert [r["network"] for r in tables["networks"]] == ["FC10(1e-4)", "FC100-100-10"]
    transfer = tables["transfer (error of each network)"]
    assert [r["examples"] for r in transfer] == [
        "adversarial for FC10(1e-4)",
        "adversarial for FC100-100-10",
        "Gaussian noise, stddev 0.1",
        "Gaussian noise, stddev 0.3",
    ]
    # an example made for a network and re-predicted as its target is an error of that network
    assert transfer[0]["FC10(1e-4)"] == "100.0%" and transfer[1]["FC100-100-10"] == "100.0%"
    page = (run_dir / "report.html").read_text()
    assert "adversarial examples for FC10(1e-4)" in page and "<img" in page
    assert len(tables[TABLE_NAME]) == 5  # one claim per network of Table 1


def test_the_python_api_runs_a_chosen_network(tmp_path, data_root):
    overrides = {
        **get_recipe(NAME).quick,
        "networks": ["FC10(1)"],
        "data_root": str(data_root),
        "download": False,
    }
    summary = run_recipe(NAME, overrides, run_dir=tmp_path / "one").summary
    assert "distortion_fc10_1" in summary and "distortion_fc10_1e_4" not in summary


@pytest.mark.parametrize(
    ("setting", "word"),
    [
        ("attack_images=0", "attack_images"),
        ('networks=["FC10(1)", "FC10(1)"]', "networks"),
        ('networks=["FC999"]', "networks"),
        ("noise_std=[-1]", "noise_std"),
        ("search_steps=0", "search_steps"),
    ],
)
def test_bad_settings_exit_2_naming_them(setting, word, capsys):
    assert main(["reproduce", NAME, "--quick", "--set", setting]) == 2
    err = capsys.readouterr().err
    assert word in err and "Traceback" not in err
