"""The digit-strings recipe: a quick run trains 3 CTC readers and reports whole-string
accuracy and per-digit edit distance with spreads, a table and the figure of readings; a
string of fewer than one digit, or more digits than fit the width, exits 2 from the CLI."""

from __future__ import annotations

import json

import pytest

from learnlab.cli import main

NAME = "digit-strings"

pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def test_quick_run_reads_strings_over_three_seeds_with_spreads(tmp_path, quick_run_copy):
    run_dir = tmp_path / NAME
    summary = quick_run_copy(NAME, run_dir).summary
    assert summary["seeds"] == 3
    for key in ("test_string_accuracy", "test_symbol_error_rate"):
        assert summary[key] >= 0 and f"{key}_std" in summary
    assert {f"test_string_accuracy_length_{n}" for n in range(1, 6)} <= set(summary)
    tables = json.loads((run_dir / "tables.json").read_text())
    assert len(tables["CTC reader, per seed"]) == 4  # 3 seeds and their mean ± std
    figures = json.loads((run_dir / "figures.json").read_text())
    assert len(figures) == 1 and (run_dir / "report.html").exists()


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (["max_length=0"], "max_length=0"),
        (["width=100", "max_length=9"], "width=100"),  # 9 digits of 14 pixels need 110
    ],
)
def test_bad_strings_from_the_cli_exit_2(tmp_path, capsys, setting, message):
    argv = ["run", NAME, "--run-dir", str(tmp_path / "x")]
    for s in setting:
        argv += ["--set", s]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()
