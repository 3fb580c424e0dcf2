"""Reproductions: the paper-vs-measured table, the registry's reproductions, and `learnlab
reproduce --all --quick` writing a reproductions page and the table into the run's report."""

from __future__ import annotations

import json

import pytest

from learnlab import runs
from learnlab.cli import main
from learnlab.config import build_config
from learnlab.recipes import get_recipe
from learnlab.recipes.paper import Claim, Paper, Reproduction
from learnlab.recipes.registry import reproduction_names
from learnlab.recipes.reproduce import TABLE_NAME, comparison_rows, markdown_table


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))


TOY = Reproduction(
    paper=Paper("A, B", 2000, "A title"),
    setup="toy",
    claims=(
        Claim(
            quantity="test error (%)",
            paper=1.0,
            measure=lambda s: 100 * (1 - s["test_accuracy"]),
            tolerance=0.2,
            why_different="a smaller model",
        ),
    ),
    quick={"epochs": 1},
)


def test_rows_say_agree_within_the_tolerance_and_why_otherwise():
    (agrees,) = comparison_rows(TOY, {"test_accuracy": 0.9885}, quick=False)
    assert agrees["paper"] == "1.00" and agrees["measured"] == "1.15"
    assert agrees["difference"] == "+0.15" and agrees["why they differ"].startswith("agrees")
    (differs,) = comparison_rows(TOY, {"test_accuracy": 0.985}, quick=False)
    assert differs["difference"] == "+0.50" and differs["why they differ"] == "a smaller model"
    (quick,) = comparison_rows(TOY, {"test_accuracy": 0.9885}, quick=True)
    assert quick["why they differ"] == "quick configuration, not the paper's"
    # a run whose settings were changed is not judged against the paper, even when it agrees
    (changed,) = comparison_rows(TOY, {"test_accuracy": 0.9885}, quick=False, assignments=["a=1"])
    assert changed["why they differ"] == "settings changed (a=1): not the paper's setup"
    # where the data lives, or whether a progress bar shows, leaves the setup intact
    (neutral,) = comparison_rows(
        TOY, {"test_accuracy": 0.9885}, quick=False, assignments=["data_root=/d", "progress=0"]
    )
    assert neutral["why they differ"].startswith("agrees")


def test_the_command_shown_on_the_page_includes_every_override(tmp_path):
    from learnlab.recipes.reproduce import ReproductionResult, reproductions_page

    result = ReproductionResult(
        name="toy",
        reproduction=TOY,
        rows=[],
        run_dir=tmp_path,
        seconds=1.0,
        quick=False,
        finished="2026-11-24 09:00",
        machine="here",
        assignments=("epochs=1", "data_root=/data", "model_options.width=8"),
    )
    assert result.command == "learnlab reproduce toy --set epochs=1 --set model_options.width=8"
    page = reproductions_page([result])
    assert f"Command: `{result.command}`" in page and "not the paper's setup" in page


def test_markdown_table_escapes_pipes():
    table = markdown_table([{"a": "x|y", "b": "1"}])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| x\\|y | 1 |"]


@pytest.mark.parametrize("name", reproduction_names())
def test_every_reproduction_is_complete(name):
    recipe = get_recipe(name)
    reproduction = recipe.reproduction
    assert reproduction.paper.year > 1900 and reproduction.paper.authors
    assert reproduction.claims and all(c.tolerance > 0 for c in reproduction.claims)
    assert all(c.why_different for c in reproduction.claims)
    build_config(recipe.config_class)  # the paper-faithful defaults validate
    build_config(recipe.config_class, flags=dict(reproduction.quick))


def test_lenet5_mnist_is_registered_with_the_papers_number():
    assert "lenet5-mnist" in reproduction_names()
    (claim,) = get_recipe("lenet5-mnist").reproduction.claims
    assert claim.paper == 0.95
    assert claim.measure({"test_accuracy": 0.9905}) == pytest.approx(0.95)


def test_reproduce_all_quick_writes_the_page_and_the_runs_report(tmp_path, data_root, capsys):
    page = tmp_path / "docs" / "reproductions.md"
    argv = ["reproduce", "--all", "--quick", "--page", str(page)]
    for assignment in (f"data_root={json.dumps(str(data_root))}", "download=false"):
        argv += ["--set", assignment]
    argv += ["--set", "progress=false"]
    assert main(argv) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(page)
    text = page.read_text()
    for name in reproduction_names():
        assert f"## {name}" in text and f"`learnlab reproduce {name} --quick`" in text
    assert "Quick configuration, not the paper's" in text
    assert "| quantity | paper | measured | difference | why they differ |" in text
    assert "LeCun, Bottou, Bengio, Haffner (1998)" in text and "| 0.95 |" in text
    assert "cores, torch" in text and " s in all" in text
    (entry,) = runs.read_index()  # one reproduction so far: its run
    run_dir = entry["run_dir"]
    tables = json.loads((tmp_path / "runs" / entry["name"] / runs.TABLES_FILE).read_text())
    assert [r["paper"] for r in tables[TABLE_NAME]] == ["0.95"]
    report = (tmp_path / "runs" / entry["name"] / runs.REPORT_FILE).read_text()
    assert '<section id="tables">' in report and TABLE_NAME in report
    assert entry["kind"] == "lenet5-mnist" and run_dir.endswith(entry["name"])


def test_reproduce_refuses_unclear_requests(tmp_path, capsys):
    assert main(["reproduce"]) == 2
    assert "either one reproduction's NAME or --all" in capsys.readouterr().err
    assert main(["reproduce", "quickstart"]) == 2
    assert "not a reproduction" in capsys.readouterr().err
    assert main(["reproduce", "--all", "--run-dir", str(tmp_path / "x")]) == 2
    assert "--run-dir goes with one NAME" in capsys.readouterr().err
    assert main(["reproduce", "no-such"]) == 2
    assert "unknown recipe 'no-such'" in capsys.readouterr().err
