"""The lenet5-mnist reproduction (LeCun et al. 1998): LeNet-5 on MNIST, several seeds.

Fast tests: the config and its checks, the seeds as parts of the run (a part each, read back
on --resume), the summary (the mean over seeds, with the spread) and the report rebuilt byte
for byte. The claim, `learnlab reproduce lenet5-mnist` with the default seeds agreeing with the
paper's 0.95% within the claim's tolerance and within the time limit, is the slow test.
"""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes import get_recipe
from learnlab.recipes.lenet5_mnist import TIME_LIMIT_SECONDS
from learnlab.recipes.lenet5_mnist.config import Lenet5MnistConfig
from learnlab.recipes.paper import QUICK_NOTE
from learnlab.recipes.reproduce import TABLE_NAME
from learnlab.recipes.runner import run_recipe, saved_config
from learnlab.runs import read_index

NAME = "lenet5-mnist"
# how much a loaded machine may take over the time limit before the slow test fails: the limit
# is for 2 free cores, and the machines that run the slow tests are shared
TIME_MARGIN = 1.25


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_defaults_run_three_seeds_each_a_train_config_without_validation_split():
    config = Lenet5MnistConfig()
    assert (config.seed, config.seeds, config.seed_list()) == (0, 3, [0, 1, 2])
    trains = get_recipe(NAME).train_configs(Lenet5MnistConfig(seed=5, seeds=2))
    assert [t.seed for t in trains] == [5, 6]
    assert all(t.val_fraction == 0 and t.epochs == 10 and t.lr == 0.05 for t in trains)
    assert trains[0].model_options == {"activation": "tanh", "pool": "avg"}


@pytest.mark.parametrize(
    ("data", "match"),
    [({"seeds": 0}, "seeds"), ({"epochs": 0}, "epochs"), ({"momentum": 1.0}, "momentum")],
)
def test_bad_settings_are_config_errors(data, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(Lenet5MnistConfig, data)


def test_settings_the_recipe_cannot_run_are_refused_before_anything_is_written(tmp_path, capsys):
    for settings in ({"activation": "gelu"}, {"pool": "lp"}, {"seed": 2**63 - 1, "seeds": 2}):
        with pytest.raises(ConfigError, match="activation|pool|seeds"):
            run_recipe(NAME, settings, run_dir=tmp_path / "x")
    assert not (tmp_path / "x").exists()
    # a dry run refuses them too
    assert main(["run", NAME, "--dry-run", "--set", "activation=gelu"]) == 2
    assert "activation" in capsys.readouterr().err


@pytest.fixture
def quick_run(recipe_quick_run):
    """The session's one quick run (2 seeds) that the tests below read, or copy and resume:
    (its runs folder, its run directory, its summary). Read-only: shared with other tests."""
    run_dir = recipe_quick_run(NAME)
    summary = json.loads((run_dir.parent / "returned.json").read_text())["summary"]
    return run_dir.parent / "runs", run_dir, summary


def test_quick_run_trains_each_seed_as_a_part_and_reports_mean_and_spread(quick_run, monkeypatch):
    runs, shared_run_dir, summary = quick_run
    run_dir = shared_run_dir  # read only (the contract test rebuilds its pages byte for byte)
    seeds = [json.loads((run_dir / f"seed-{s}" / "summary.json").read_text()) for s in (0, 1)]
    assert [s["seed"] for s in seeds] == [0, 1]
    accuracies = [s["test_accuracy"] for s in seeds]
    # 32 steps learn something: a constant prediction scores at most 11.35% (the commonest
    # digit of the test set, a 1)
    assert all(0.3 < a < 1 for a in accuracies)
    assert summary["seeds"] == 2 and summary["seed"] == 0
    assert summary["test_accuracy"] == pytest.approx(sum(accuracies) / 2)
    assert summary["test_accuracy_min"] == min(accuracies)
    assert summary["test_accuracy_max"] == max(accuracies)
    errors = [100 * (1 - a) for a in accuracies]
    assert summary["test_error_percent"] == pytest.approx(sum(errors) / 2)
    assert summary["test_error_percent_std"] == pytest.approx(abs(errors[0] - errors[1]) / 2**0.5)
    assert summary["train_seconds"] == pytest.approx(sum(s["train_seconds"] for s in seeds))
    assert summary["time_limit_seconds"] == TIME_LIMIT_SECONDS
    assert summary["within_time_limit"] == (summary["train_seconds"] <= TIME_LIMIT_SECONDS)
    monkeypatch.setenv("LEARNLAB_RUNS", str(runs))
    (entry,) = read_index()  # the parts are not runs of their own in the index
    assert entry["kind"] == NAME and entry["test_accuracy"] == summary["test_accuracy"]

    tables = json.loads((run_dir / "tables.json").read_text())
    assert [row["seed"] for row in tables["test error of each seed"]] == ["0", "1"]
    report = run_dir / "report.html"
    page = report.read_text()
    assert "2 seeds (0, 1), each a training run of its own" in page
    assert 'href="seed-0/report.html"' in page and (run_dir / "seed-1" / "report.html").is_file()


def test_resume_keeps_the_finished_seeds(tmp_path, quick_run, capsys):
    _, finished, first = quick_run
    run_dir = tmp_path / "lenet5"
    shutil.copytree(finished, run_dir)
    # as if the run had been stopped during the second seed
    shutil.rmtree(run_dir / "seed-1")
    (run_dir / "summary.json").unlink()
    capsys.readouterr()
    again = run_recipe(NAME, saved_config(run_dir), resume=run_dir).summary
    assert "seed-0: finished in an earlier attempt" in capsys.readouterr().err
    timing = ("train_seconds", "within_time_limit")
    assert {k: v for k, v in again.items() if k not in timing} == {
        k: v for k, v in first.items() if k not in timing
    }


def test_reproduce_with_another_seed_is_judged_as_the_papers_setup(tmp_path, quick, capsys):
    page = tmp_path / "reproductions.md"
    argv = ["reproduce", NAME, "--quick", "--run-dir", str(tmp_path / "run")]
    for key, value in {**quick(NAME), "seeds": 1, "seed": 3}.items():
        argv += ["--set", f"{key}={json.dumps(value)}"]
    assert main(argv) == 0
    tables = json.loads((tmp_path / "run" / "tables.json").read_text())
    (row,) = tables[TABLE_NAME]
    assert row["why they differ"] == QUICK_NOTE  # not "changed"
    assert "settings changed" not in capsys.readouterr().err
    assert not page.exists()


# -- the claim --------------------------------------------------------------------------------


@pytest.mark.slow
def test_reproduce_agrees_with_the_paper_within_the_tolerance_and_the_time_limit(
    tmp_path, data_root, capsys
):
    torch.set_num_threads(2)  # the time limit is about 2 cores
    run_dir = tmp_path / "lenet5"
    argv = ["reproduce", NAME, "--run-dir", str(run_dir)]
    argv += ["--set", f"data_root={json.dumps(str(data_root))}", "--set", "download=false"]
    assert main([*argv, "--set", "progress=false"]) == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    (row,) = json.loads((run_dir / "tables.json").read_text())[TABLE_NAME]
    (claim,) = get_recipe(NAME).reproduction.claims
    print(row, f"{summary['train_seconds']:.0f} s of training")
    assert summary["seeds"] == 3 and row["seeds"] == "3"
    assert abs(claim.measure(summary) - claim.paper) <= claim.tolerance, row
    assert row["why they differ"].startswith("agrees"), row
    # measured on one thread of a shared 2-core machine: 149, 177 and 212 s for the 3 seeds
    assert summary["train_seconds"] <= TIME_MARGIN * TIME_LIMIT_SECONDS, summary
