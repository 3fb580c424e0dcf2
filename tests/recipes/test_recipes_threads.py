"""Threads of a recipe run: the runner applies the recipe's `threads` to the recipe's own work
and restores torch's count after; a part trained through `ctx.train` takes a number the recipe
sets, and chooses for its own model when the recipe says "auto"; both land in summary.json."""

from __future__ import annotations

import json

import pytest
import torch

from learnlab.cli import main
from learnlab.config import RecipeConfig, TrainConfig
from learnlab.recipes import registry
from learnlab.recipes.runner import run_recipe
from learnlab.result import Result

NAME = "test-threads"
SEEN: list[int] = []


def run(config: RecipeConfig, ctx) -> Result:
    SEEN.append(torch.get_num_threads())
    part = TrainConfig(
        dataset="digits",
        model="mlp",
        model_options={"width": 16},
        epochs=1,
        progress=False,
        baselines=False,
    )
    result = Result(kind=NAME, title="threads <test>")
    # the part's summary is not merged: the recipe's own threads choice lands in its summary
    trained = ctx.train("training", part, report=False)
    result.add_part("training", trained, merge_summary=False)
    return result


@pytest.fixture(autouse=True)
def registered(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("LEARNLAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("LEARNLAB_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    registry._load_all()
    registry.register_recipe(NAME, "trains one part, for tests", RecipeConfig, quick={})(run)
    SEEN.clear()
    yield
    registry._RECIPES.pop(NAME)


def summaries(run_dir) -> tuple[dict, dict]:
    def read(path):
        return json.loads((path / "summary.json").read_text())

    return read(run_dir), read(run_dir / "training")


def test_a_number_set_for_the_recipe_reaches_its_work_and_its_parts(tmp_path, capsys):
    before = torch.get_num_threads()
    torch.set_num_threads(3)  # a count the recipe does not use: it must be there after
    try:
        assert main(["run", NAME, "--threads", "1", "--run-dir", str(tmp_path / "r")]) == 0
        assert torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(before)
    assert SEEN == [1]
    recipe, part = summaries(tmp_path / "r")
    assert (recipe["threads"], recipe["threads_choice"]) == (1, "set")
    assert (part["threads"], part["threads_choice"]) == (1, "set")
    assert capsys.readouterr().err.count("threads: 1 (set: threads=1)") == 2
    assert main(["run", NAME, "--threads", "0"]) == 2
    assert 'threads: use "auto"' in capsys.readouterr().err


def test_auto_bounds_the_recipe_by_the_idle_cores_and_each_part_chooses_its_own(tmp_path):
    published = run_recipe(NAME, {}, run_dir=tmp_path / "r")
    recipe, part = summaries(published.run_dir)
    assert recipe["threads_choice"] == part["threads_choice"] == "auto"
    assert [recipe["threads"]] == SEEN  # the idle cores now (no timing)
    assert 1 <= part["threads"] <= recipe["threads"]  # timed for its own model, within them
