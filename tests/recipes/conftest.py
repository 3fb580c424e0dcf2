"""Fixtures the recipe tests share."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch


@pytest.fixture
def isolated_one_thread(tmp_path, monkeypatch):
    """Runs indexed in this test's own folder, and torch on one thread for the test (the
    previous thread count restored after)."""
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def quick(data_root):
    """`quick(NAME, **overrides)`: recipe NAME's --quick settings on the test data, without
    downloads or progress bars, with `overrides` on top."""
    from learnlab.recipes import get_recipe

    def settings(name: str, **overrides) -> dict:
        return {
            **get_recipe(name).quick,
            "data_root": str(data_root),
            "download": False,
            "progress": False,
            **overrides,
        }

    return settings


def quick_settings(name: str, data_root) -> dict:
    """Recipe NAME's --quick settings on the test data (no downloads, no progress bars): the
    one configuration that `recipe_quick_run` runs once and the tests of NAME share."""
    from learnlab.recipes import get_recipe

    recipe = get_recipe(name)
    settings = {**recipe.quick, "progress": False}
    if "data_root" in recipe.config_class.model_fields:
        settings.update(data_root=str(data_root), download=False)
    return settings


@pytest.fixture(scope="session")
def recipe_quick_run(tmp_path_factory, data_root):
    """`recipe_quick_run(NAME)`: the run directory of NAME's quick configuration, run once per
    test session and shared by every test that asks (the recipe's own tests and the contract
    test used to run it once each). Under pytest-xdist each worker is a session of its own: the
    runs go to a folder all the workers share (the parent of their base temp folders), one
    process runs a recipe under an exclusive flock while the others wait, and later callers
    find the finished folder. Beside it: its runs folder (`LEARNLAB_RUNS` during the run) and
    returned.json (the summary run_recipe returned and the parts that have a page).
    READ-ONLY: a test that changes files copies the folder first."""
    import fcntl
    import json
    import os

    # A report shows paths (data_root) relative to its run directory, so a copy's rebuilt
    # report equals the shared run's only when both lie as deep: the run is as many folders
    # deep as a test's tmp_path / "copy" (whose tmp_path is in the worker's base temp folder).
    base = tmp_path_factory.getbasetemp()
    xdist = bool(os.environ.get("PYTEST_XDIST_WORKER"))  # gw0, gw1...: a base temp per worker
    cache = base.parent / "recipe-quick-runs" if xdist else base  # xdist: shared, beside them
    cache.mkdir(exist_ok=True)

    def run(name: str) -> Path:
        from learnlab.recipes.runner import run_recipe

        settings = quick_settings(name, data_root)
        folder = cache / (name if xdist else f"recipe-quick-run-{name}")
        run_dir = folder / "run"
        with open(cache / f"{name}.lock", "w") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)  # released when the file closes
            if (folder / "done").is_file():
                assert json.loads((folder / "settings.json").read_text()) == settings
                return run_dir
            if folder.exists():  # a run that failed part-way in another worker
                shutil.rmtree(folder)
            folder.mkdir()
            (folder / "settings.json").write_text(json.dumps(settings))
            threads = torch.get_num_threads()
            with pytest.MonkeyPatch.context() as env:
                env.setenv("LEARNLAB_RUNS", str(folder / "runs"))
                torch.set_num_threads(1)
                try:
                    published = run_recipe(name, settings, run_dir=run_dir)
                finally:
                    torch.set_num_threads(threads)
            # what run_recipe returned, for tests that compare it with the files
            returned = {
                "summary": published.summary,
                "parts_with_reports": [p for p, r in published.result.parts.items() if r.report],
            }
            (folder / "returned.json").write_text(json.dumps(returned))
            (folder / "done").touch()
        return run_dir

    return run


@pytest.fixture
def quick_run_copy(recipe_quick_run):
    """`quick_run_copy(NAME, run_dir)`: a copy, at `run_dir`, of the session's one quick run of
    NAME (`recipe_quick_run`), as the `Published` that run_recipe returns (its result read
    back from the files, models left out: the contract test checks that the files give back
    the summary run_recipe returned). The copy is the test's own, to change or resume."""
    from learnlab.report.publish import Published
    from learnlab.runs.result_files import read_result

    def copy(name: str, run_dir: Path) -> Published:
        shutil.copytree(recipe_quick_run(name), run_dir)
        return Published(run_dir, read_result(run_dir))

    return copy
