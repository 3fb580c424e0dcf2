"""Reproductions: the paper-vs-measured table (the mean over seeds, their spread), which
settings change the paper's setup (another seed does not), the registry's reproductions,
`learnlab reproduce NAME NAME --quick` writing a reproductions page and the table into the run's
report, and lenet5-mnist's seeds as parts that --resume keeps. The claim itself (the mean test
error of the default seeds within the tolerance of the paper's 0.95%, within the time limit)
and `reproduce --all --quick` are slow tests (`make test-slow`)."""

from __future__ import annotations

import json

import pytest

from learnlab import runs
from learnlab.cli import main
from learnlab.config import build_config
from learnlab.recipes import get_recipe
from learnlab.recipes.paper import QUICK_NOTE, Claim, Paper, Reproduction, Spread
from learnlab.recipes.registry import reproduction_names
from learnlab.recipes.reproduce import (
    TABLE_NAME,
    comparison_rows,
    markdown_table,
    setup_changes,
)
from learnlab.recipes.seeds import combine_seeds, read_spread, spread_keys


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
    assert agrees["paper"] == "1.00" and agrees["measured (mean)"] == "1.15"
    assert agrees["difference"] == "+0.15" and agrees["why they differ"].startswith("agrees")
    # a claim that reads no spread was measured once
    assert (agrees["seeds"], agrees["std"], agrees["range"]) == ("1", "n/a", "n/a")
    (differs,) = comparison_rows(TOY, {"test_accuracy": 0.985}, quick=False)
    assert differs["difference"] == "+0.50" and differs["why they differ"] == "a smaller model"
    (quick,) = comparison_rows(TOY, {"test_accuracy": 0.9885}, quick=True)
    assert quick["why they differ"] == QUICK_NOTE
    assert QUICK_NOTE == "quick run: not the paper's configuration; numbers are not comparable"
    # a run whose settings were changed is not judged against the paper, even when it agrees
    (changed,) = comparison_rows(TOY, {"test_accuracy": 0.9885}, quick=False, assignments=["a=1"])
    assert changed["why they differ"] == "settings changed (a=1): not the paper's setup"
    # where the data lives, or whether a progress bar shows, leaves the setup intact
    (neutral,) = comparison_rows(
        TOY, {"test_accuracy": 0.9885}, quick=False, assignments=["data_root=/d", "progress=0"]
    )
    assert neutral["why they differ"].startswith("agrees")
    # nor does another seed, or another number of seeds: the same experiment, drawn again
    for assignments in (["seed=1"], ["seeds=5"], [" seed = 7", "data_root=/d"]):
        (reseeded,) = comparison_rows(
            TOY, {"test_accuracy": 0.9885}, quick=False, assignments=assignments
        )
        assert reseeded["why they differ"].startswith("agrees"), assignments
        assert setup_changes(assignments) == []
    assert setup_changes(["seed=1", "epochs=2"]) == ["epochs=2"]


def test_a_claim_the_run_left_out_is_shown_as_not_measured_not_a_crash():
    """--set can leave out the variant a claim reads: its row says so, the others are judged."""
    reads_other = Claim(
        quantity="training accuracy (%), true labels",
        paper=100.0,
        measure=lambda s: 100 * s["train_accuracy_labels_0"],
        tolerance=1.0,
        why_different="-",
        spread=lambda s: read_spread(s, "labels_0"),
    )
    reproduction = Reproduction(TOY.paper, "toy", (reads_other, *TOY.claims), quick={})
    summary = {"test_accuracy": 0.9885}
    missing, measured = comparison_rows(
        reproduction, summary, quick=False, assignments=["label_fractions=[1.0]"]
    )
    assert missing["measured (mean)"] == "not measured" and missing["paper"] == "100.00"
    assert (missing["seeds"], missing["difference"]) == ("n/a", "n/a")
    assert missing["why they differ"] == (
        "not measured: label_fractions=[1.0] left out what it needs ('train_accuracy_labels_0')"
    )
    assert measured["measured (mean)"] == "1.15"
    assert list(missing) == list(measured)
    # the paper's setup (or the quick one, or another seed) measures every claim: a key
    # missing there is a bug of the claim or the recipe, and stays an error
    for assignments in ((), ("seed=1",)):
        with pytest.raises(KeyError, match="train_accuracy_labels_0"):
            comparison_rows(reproduction, summary, quick=False, assignments=assignments)
    with pytest.raises(KeyError):
        comparison_rows(reproduction, summary, quick=True)


SEEDED = Claim(
    quantity="test error (%)",
    paper=1.0,
    measure=lambda s: 100 * (1 - s["test_accuracy"]),
    tolerance=0.2,
    why_different="a smaller model",
    spread=lambda s: read_spread(s, "test_error"),
)


def test_rows_show_the_mean_and_the_spread_over_seeds_beside_the_papers_number():
    accuracies = [0.991, 0.989, 0.987]
    summary = combine_seeds([{"test_accuracy": a, "seed": i} for i, a in enumerate(accuracies)])
    summary.update(spread_keys("test_error", [100 * (1 - a) for a in accuracies]))
    assert summary["seeds"] == 3 and summary["seed"] == 0
    reproduction = Reproduction(TOY.paper, "toy", (SEEDED,), quick={})
    (row,) = comparison_rows(reproduction, summary, quick=False)
    assert list(row) == [
        "quantity",
        "paper",
        "measured (mean)",
        "seeds",
        "std",
        "range",
        "difference",
        "why they differ",
    ]
    assert row["measured (mean)"] == "1.10" and row["seeds"] == "3"
    assert row["std"] == "0.20" and row["range"] == "0.90 to 1.30"
    assert row["difference"] == "+0.10" and row["why they differ"].startswith("agrees")
    # one seed: a mean and a range of one value, and no standard deviation
    one = combine_seeds([{"test_accuracy": 0.99}])
    one.update(spread_keys("test_error", [1.0]))
    assert read_spread(one, "test_error") == Spread(std=None, low=1.0, high=1.0, seeds=1)


def test_combine_seeds_averages_the_measured_numbers_and_adds_the_training_time():
    first = {"status": "completed", "test_loss": 0.1, "train_seconds": 10.0, "epochs": 2}
    second = {"status": "stopped early", "test_loss": 0.3, "train_seconds": 5.0, "epochs": 1}
    combined = combine_seeds([first, second])
    assert combined == {
        "status": "stopped early",
        "test_loss": pytest.approx(0.2),
        "train_seconds": 15.0,
        "epochs": 2,  # not a measured number: the first seed's
        "seeds": 2,
    }
    assert combine_seeds([first]) == {**first, "seeds": 1}  # one seed: its own summary


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
    # other seeds give other numbers, so the command says so, but the setup is the paper's
    reseeded = ReproductionResult(**{**vars(result), "assignments": ("seed=1", "download=0")})
    assert reseeded.command == "learnlab reproduce toy --set seed=1"
    assert "not the paper's setup" not in reproductions_page([reseeded])


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
    summary = {"seeds": 3, **spread_keys("test_error_percent", [0.9, 0.93, 1.0])}
    assert claim.spread(summary) == Spread(
        std=pytest.approx(0.0513, abs=1e-4), low=0.9, high=1.0, seeds=3
    )


def _quick_reproduce(argv: list[str], data_root, page) -> list[str]:
    argv = ["reproduce", *argv, "--quick", "--page", str(page)]
    for assignment in (f"data_root={json.dumps(str(data_root))}", "download=false"):
        argv += ["--set", assignment]
    return argv + ["--set", "progress=false"]


# two of the quickest reproductions: the page and the index do not depend on which
TWO = ["teacher-student-width", "interpolation"]


def test_reproduce_several_quick_writes_the_page_and_the_runs_report(tmp_path, data_root, capsys):
    page = tmp_path / "docs" / "reproductions.md"
    assert main(_quick_reproduce(TWO, data_root, page)) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(page)
    text = page.read_text()
    assert [line[3:] for line in text.splitlines() if line.startswith("## ")] == TWO
    for name in TWO:
        assert f"`learnlab reproduce {name} --quick`" in text
        assert get_recipe(name).reproduction.paper.citation() in text
    assert "Quick run: not the paper's configuration; numbers are not comparable" in text
    header = "| quantity | paper | measured (mean) | seeds | std | range | difference |"
    assert header + " why they differ |" in text
    assert "cores, torch" in text and " s in all" in text and " s of CPU time." in text
    # each reproduction's run is in the index, with its table and report
    entries = runs.read_index()
    assert sorted(e["kind"] for e in entries) == sorted(TWO)
    for entry in entries:
        run_dir = tmp_path / "runs" / entry["name"]
        tables = json.loads((run_dir / runs.TABLES_FILE).read_text())
        paper_numbers = [c.paper for c in get_recipe(entry["kind"]).reproduction.claims]
        assert len(tables[TABLE_NAME]) == len(paper_numbers)
        report = (run_dir / runs.REPORT_FILE).read_text()
        assert '<section id="tables">' in report and TABLE_NAME in report
        # a quick run says so on its page, in the index and in `learnlab runs`
        assert "Quick run: not the paper&#x27;s configuration; numbers are not comparable" in report
        assert entry["quick"] is True and entry["run_dir"].endswith(entry["name"])
    assert main(["runs"]) == 0
    listing = capsys.readouterr().out
    assert f"{TWO[0]} (quick)" in listing and "not the paper's configuration" in listing
    assert main(["runs", "--json", "--where", "quick==true"]) == 0
    quick_runs = [e["name"] for e in json.loads(capsys.readouterr().out)]
    assert sorted(quick_runs) == sorted(e["name"] for e in entries)


def test_several_reproductions_are_checked_before_any_runs(tmp_path, data_root, capsys):
    page = tmp_path / "page.md"
    assert main(_quick_reproduce([*TWO, "no-such"], data_root, page)) == 2
    assert "unknown recipe 'no-such'" in capsys.readouterr().err
    argv = _quick_reproduce(TWO, data_root, page) + ["--set", "seeds=0"]
    assert main(argv) == 2
    assert "seeds" in capsys.readouterr().err
    assert main(_quick_reproduce([TWO[0], TWO[0]], data_root, page)) == 2
    assert f"{TWO[0]} named twice" in capsys.readouterr().err
    assert runs.read_index() == [] and not page.exists()


@pytest.mark.slow
def test_reproduce_all_quick_runs_every_reproduction(tmp_path, data_root, capsys):
    page = tmp_path / "docs" / "reproductions.md"
    assert main(_quick_reproduce(["--all"], data_root, page)) == 0
    text = page.read_text()
    for name in reproduction_names():
        assert f"## {name}" in text and f"`learnlab reproduce {name} --quick`" in text
    assert "LeCun, Bottou, Bengio, Haffner (1998)" in text and "| 0.95 |" in text
    assert sorted(e["kind"] for e in runs.read_index()) == sorted(reproduction_names())


def test_reproduce_refuses_unclear_requests(tmp_path, capsys):
    assert main(["reproduce"]) == 2
    assert "either reproduction NAMEs or --all" in capsys.readouterr().err
    assert main(["reproduce", "quickstart"]) == 2
    assert "not a reproduction" in capsys.readouterr().err
    assert main(["reproduce", "--all", "--run-dir", str(tmp_path / "x")]) == 2
    assert "--run-dir goes with one NAME" in capsys.readouterr().err
    assert main(["reproduce", *TWO, "--run-dir", str(tmp_path / "x")]) == 2
    assert "--run-dir goes with one NAME" in capsys.readouterr().err
    assert main(["reproduce", "--all", "--resume", str(tmp_path / "x")]) == 2
    assert "--resume goes with one NAME" in capsys.readouterr().err
    assert main(["reproduce", "no-such"]) == 2
    assert "unknown recipe 'no-such'" in capsys.readouterr().err


def test_reproduce_all_sends_each_setting_to_the_reproductions_that_have_it(capsys):
    from learnlab.commands.reproduce import _settings_of_each

    names = reproduction_names()
    settings = _settings_of_each(names, ["seeds=1", "progress=false"])
    for name in names:
        has_seeds = "seeds" in get_recipe(name).config_class.model_fields
        assert settings[name] == (["seeds=1"] if has_seeds else []) + ["progress=false"]
    assert main(["reproduce", "--all", "--quick", "--set", "no_such_setting=1"]) == 2
    assert "--set no_such_setting: no reproduction has this setting" in capsys.readouterr().err
