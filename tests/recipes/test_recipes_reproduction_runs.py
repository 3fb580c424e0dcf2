"""`learnlab reproduce --from RUN ... --page PATH`: the reproductions page written from runs
that already finished, with the same tables, the command that reproduces each (its --set
overrides recovered from the saved config) and the time, date and machine the run recorded."""

from __future__ import annotations

import json
import time

import pytest

from learnlab import runs
from learnlab.cli import main
from learnlab.recipes.reproduce import TABLE_NAME


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))


# the quickest reproduction: what --from reads does not depend on which
NAME = "teacher-student-width"


def _quick_run(run_dir, data_root, *extra: str) -> None:
    argv = ["reproduce", NAME, "--quick", "--run-dir", str(run_dir)]
    for assignment in (f"data_root={json.dumps(str(data_root))}", "progress=false", *extra):
        argv += ["--set", assignment]
    assert main(argv) == 0


def test_the_page_from_finished_runs_has_their_tables_commands_and_times(
    tmp_path, data_root, capsys
):
    first, second = tmp_path / "first", tmp_path / "second"
    _quick_run(first, data_root, "seeds=2", "train_size=100")
    _quick_run(second, data_root, "train_size=100")
    capsys.readouterr()
    page = tmp_path / "page.md"
    assert main(["reproduce", "--from", str(first), str(second), "--page", str(page)]) == 0
    assert capsys.readouterr().out.strip() == str(page)
    text = page.read_text()
    sections = text.split(f"## {NAME}")[1:]
    assert len(sections) == 2  # in the order given
    assert f"`learnlab reproduce {NAME} --quick --set train_size=100 --set seeds=2`" in sections[0]
    assert f"`learnlab reproduce {NAME} --quick --set train_size=100`" in sections[1]
    for section, run_dir in zip(sections, (first, second), strict=True):
        stored = json.loads((run_dir / runs.TABLES_FILE).read_text())[TABLE_NAME]
        measured = [row["measured (mean)"] for row in stored]
        assert [f"| {m} |" in section for m in measured] == [True] * len(measured)
        assert "cores, torch" in section and " s in all" in section
        assert " s of CPU time." in section


def test_from_refuses_unfinished_runs_and_other_arguments(tmp_path, capsys):
    page = tmp_path / "page.md"
    assert main(["reproduce", "--from", str(tmp_path / "none"), "--page", str(page)]) == 2
    assert "is not a finished run" in capsys.readouterr().err
    assert main(["reproduce", NAME, "--from", str(tmp_path), "--page", str(page)]) == 2
    assert "--from writes the page from finished runs" in capsys.readouterr().err
    assert not page.exists()


def _recorded_seconds(run_dir) -> float:
    return float(json.loads((run_dir / "result.json").read_text())["index"]["reproduction_seconds"])


def test_a_resumed_run_keeps_the_time_it_recorded_or_says_the_time_is_partial(
    tmp_path, data_root, capsys
):
    run_dir = tmp_path / "run"
    _quick_run(run_dir, data_root, "train_size=100")
    first = _recorded_seconds(run_dir)
    resume = ["reproduce", NAME, "--resume", str(run_dir)]
    started = time.perf_counter()
    assert main(resume) == 0  # resuming a finished run adds to the time it recorded
    session = time.perf_counter() - started
    assert first < _recorded_seconds(run_dir) <= first + session
    (run_dir / "summary.json").unlink()  # as a run interrupted before its summary was written
    assert main(resume) == 0
    page = tmp_path / "page.md"
    capsys.readouterr()
    assert main(["reproduce", "--from", str(run_dir), "--page", str(page)]) == 0
    assert "in the last session (resumed after an interruption, not counted)" in page.read_text()
