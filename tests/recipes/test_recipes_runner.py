"""The recipe path end to end on a recipe made for the test: run_recipe publishes the Result
(files, index, report), the report is rebuilt byte-identically from the files alone, parts are
written as they finish and kept on --resume, and a recipe that does not return a Result is an
error."""

from __future__ import annotations

import json
import os
import shutil

import pytest
import torch
from pydantic import Field

from learnlab.config import RecipeConfig
from learnlab.io.errors import ConfigError, DataError
from learnlab.recipes import registry
from learnlab.recipes.runner import run_recipe
from learnlab.report.figures import image_grid_figure, line_figure
from learnlab.report.run_report import build_run_report
from learnlab.result import FigureSpec, Result
from learnlab.runs import read_index
from learnlab.runs.result_files import read_result

NAME = "test-parts"
CALLS: list[str] = []


class PartsConfig(RecipeConfig):
    parts: int = Field(3, ge=1, le=5)
    fail_at: int | None = None  # a part that raises, to interrupt the run
    pages: bool = True  # each part gets a report.html of its own


def one_part(i: int, config: PartsConfig) -> Result:
    CALLS.append(f"part{i}")
    if config.fail_at == i:
        raise RuntimeError(f"part {i} failed")
    xs = list(range(5))
    return Result(
        report=config.pages,
        kind="part",
        title=f"part {i}",
        summary={f"part{i}_value": i * 1.5},
        notes=[f"note of part {i}"],
        tables={f"table {i}": [{"x": i, "y": "text"}]},
        figures=[
            FigureSpec(f"line {i}", line_figure, {"series": {"y": [xs, [i * x for x in xs]]}})
        ],
    )


def run(config: PartsConfig, ctx) -> Result:
    result = Result(kind=NAME, title="parts <test>", notes=["parent note"], headline="done")
    for i in range(config.parts):
        result.add_part(f"part{i}", ctx.part(f"part{i}", one_part, i, config))
    images = torch.arange(2 * 4 * 4, dtype=torch.float32).reshape(2, 4, 4)
    result.figures.append(FigureSpec("images", image_grid_figure, {"images": images, "columns": 2}))
    result.summary["total"] = sum(v for k, v in result.summary.items() if k.endswith("_value"))
    return result


@pytest.fixture(autouse=True)
def registered(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    registry._load_all()
    registry.register_recipe(NAME, "a recipe of parts, for tests", PartsConfig, quick={})(run)
    CALLS.clear()
    yield
    registry._RECIPES.pop(NAME)


def test_a_recipe_of_parts_is_published_and_its_report_rebuilt_byte_identically(tmp_path):
    published = run_recipe(NAME, {"parts": 2}, run_dir=tmp_path / "r")
    run_dir = published.run_dir
    # the runner records the recipe's threads: LEARNLAB_THREADS, which tests/conftest.py sets
    threads = {"threads": int(os.environ["LEARNLAB_THREADS"]), "threads_choice": "environment"}
    assert published.summary == {"part0_value": 0.0, "part1_value": 1.5, "total": 1.5, **threads}
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary == published.summary
    assert json.loads((run_dir / "config.json").read_text())["parts"] == 2
    for part in ("part0", "part1"):
        assert (run_dir / part / "summary.json").is_file()
        assert (run_dir / part / "report.html").is_file()
    page = (run_dir / "report.html").read_text()
    assert "parts &lt;test&gt;" in page and "note of part 1" in page and "table 1" in page
    assert page.count("data:image/png") == 3  # the parent's image grid and one line per part
    first = (run_dir / "report.html").read_bytes()
    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    (copy / "report.html").unlink()
    (copy / "part0" / "report.html").unlink()
    build_run_report(copy)
    assert (copy / "report.html").read_bytes() == first
    assert (copy / "part0" / "report.html").read_bytes() == (
        run_dir / "part0/report.html"
    ).read_bytes()
    assert read_index()[-1]["kind"] == NAME


def test_parts_without_a_page_of_their_own_still_show_in_the_parent(tmp_path):
    run_dir = run_recipe(NAME, {"parts": 2, "pages": False}, run_dir=tmp_path / "r").run_dir
    assert not (run_dir / "part0" / "report.html").exists()
    page = (run_dir / "report.html").read_text()
    assert "table 1" in page and "part0/report.html" not in page
    first = (run_dir / "report.html").read_bytes()
    assert build_run_report(run_dir).read_bytes() == first
    assert not (run_dir / "part0" / "report.html").exists()


def test_resume_keeps_the_finished_parts_and_runs_the_rest(tmp_path, capsys):
    from learnlab.cli import main

    run_dir = tmp_path / "r"
    with pytest.raises(RuntimeError, match="part 2 failed"):
        run_recipe(NAME, {"parts": 3, "fail_at": 2}, run_dir=run_dir)
    assert CALLS == ["part0", "part1", "part2"]
    assert not (run_dir / "summary.json").exists() and not (run_dir / "part2").exists()
    CALLS.clear()
    # the CLI continues with the saved config; only the failing setting is changed
    assert main(["run", NAME, "--resume", str(run_dir), "--set", "fail_at=4"]) == 0
    assert CALLS == ["part2"]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["total"] == 0.0 + 1.5 + 3.0
    assert read_result(run_dir).parts["part0"].notes == ["note of part 0"]


def test_the_result_comes_back_from_its_files(tmp_path):
    published = run_recipe(NAME, {"parts": 1}, run_dir=tmp_path / "r")
    again = read_result(published.run_dir)
    assert again.summary == published.summary and again.title == "parts <test>"
    images = next(f for f in again.figures if f.title == "images").data["images"]
    assert torch.equal(images, torch.arange(32, dtype=torch.float32).reshape(2, 4, 4))
    assert again.parts["part0"].tables == {"table 0": [{"x": 0, "y": "text"}]}


def test_a_recipe_must_return_a_result(tmp_path):
    registry._RECIPES.pop(NAME)
    registry.register_recipe(NAME, "broken", PartsConfig)(lambda config, ctx: {"x": 1})
    with pytest.raises(TypeError, match="not a Result"):
        run_recipe(NAME, {}, run_dir=tmp_path / "r")


def test_bad_settings_and_a_run_dir_with_files_are_refused_before_anything_runs(tmp_path):
    with pytest.raises(ConfigError, match="parts"):
        run_recipe(NAME, {"parts": 9}, run_dir=tmp_path / "a")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x").write_text("")
    with pytest.raises(ConfigError, match="already holds files"):
        run_recipe(NAME, {}, run_dir=tmp_path / "b")
    assert CALLS == []


def test_figures_must_name_a_learnlab_drawing_function():
    with pytest.raises(ValueError, match="module-level function"):
        FigureSpec("x", lambda **data: None, {})


def test_a_run_naming_a_foreign_drawing_function_is_refused(tmp_path):
    run_dir = run_recipe(NAME, {"parts": 1}, run_dir=tmp_path / "r").run_dir
    figures = json.loads((run_dir / "figures.json").read_text())
    figures[0]["draw"] = "os:system"
    (run_dir / "figures.json").write_text(json.dumps(figures))
    with pytest.raises(DataError, match="only module-level functions of learnlab"):
        build_run_report(run_dir)
