"""The contract every registered recipe keeps, checked over the whole registry (a new recipe
is covered the day it is registered): its defaults validate, `learnlab run NAME --dry-run`
passes on them, and its quick configuration produces a run directory whose report
`learnlab report` rebuilds byte for byte from the files alone."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from learnlab.cli import main
from learnlab.recipes import get_recipe, recipe_names
from learnlab.report.run_report import build_run_report
from learnlab.runs.result_files import read_result


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch, data_root):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("name", recipe_names())
def test_defaults_validate_and_dry_run(name, capsys):
    recipe = get_recipe(name)
    recipe.config_class()  # the defaults are the recipe
    assert main(["run", name, "--dry-run"]) == 0, capsys.readouterr().err
    quick = recipe.config_class.model_validate(dict(recipe.quick))
    assert quick != recipe.config_class() or not recipe.quick


@pytest.mark.parametrize("name", recipe_names())
def test_quick_run_is_rebuilt_byte_identically(name, tmp_path, recipe_quick_run):
    recipe = get_recipe(name)
    assert recipe.quick, f"{name} declares no quick configuration (register_recipe(quick=...))"
    # the session's one quick run of the recipe (its own tests read the same folder)
    run_dir = recipe_quick_run(name)
    returned = json.loads((run_dir.parent / "returned.json").read_text())
    first = (run_dir / "report.html").read_bytes()
    # a part may go without a page of its own (learning-curve's points)
    parts = {p: (run_dir / p / "report.html").read_bytes() for p in returned["parts_with_reports"]}
    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    for page in copy.rglob("report.html"):
        page.unlink()
    build_run_report(copy)
    assert (copy / "report.html").read_bytes() == first
    for part, page in parts.items():
        assert (copy / part / "report.html").read_bytes() == page, part
    assert read_result(copy).summary == returned["summary"]
