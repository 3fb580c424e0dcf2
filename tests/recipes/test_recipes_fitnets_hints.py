"""The fitnets-hints recipe: a quick run trains the teacher once and both students for each
of 3 seeds and reports their accuracies with spreads, a table and a figure; an unknown layer
name exits 2 from the CLI, naming the layers."""

from __future__ import annotations

import json

import pytest

from learnlab.cli import main

NAME = "fitnets-hints"

pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def test_quick_run_compares_hinted_and_plain_students_over_three_seeds(tmp_path, quick_run_copy):
    run_dir = tmp_path / NAME
    summary = quick_run_copy(NAME, run_dir).summary
    assert summary["seeds"] == 3
    for arm in ("hints", "plain"):
        for key in ("test_accuracy", "val_accuracy"):
            assert 0 <= summary[f"{key}_{arm}"] <= 1
            assert summary[f"{key}_{arm}_min"] <= summary[f"{key}_{arm}"]
            assert f"{key}_{arm}_std" in summary
    gain = summary["test_accuracy_hints"] - summary["test_accuracy_plain"]
    assert summary["test_gain_mean"] == pytest.approx(gain)
    tables = json.loads((run_dir / "tables.json").read_text())
    assert [row["student"][:5] for row in tables["students"]] == ["with ", "plain"]
    assert json.loads((run_dir / "figures.json").read_text())
    assert "with hints" in (run_dir / "report.html").read_text()


def test_an_unknown_layer_from_the_cli_exits_2_listing_the_layers(tmp_path, quick, capsys):
    settings = quick(NAME, student_layer="fc99")
    argv = ["run", NAME, "--run-dir", str(tmp_path / "x")]
    for key, value in settings.items():
        argv += ["--set", f"{key}={json.dumps(value) if not isinstance(value, str) else value}"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "student_layer='fc99'" in err and "act1" in err and "Traceback" not in err
