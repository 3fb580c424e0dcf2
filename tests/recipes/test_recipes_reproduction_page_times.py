"""The plan of `learnlab reproduce --all` on a fresh clone: with no run in the run index, each
reproduction's expected time comes from the reproductions page's "Measured on" line (written by
`reproductions_page`, read back here), except sections run with --quick, with --set changes
or resumed, whose times say little about the default configuration's."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from learnlab.cli import main
from learnlab.recipes import get_recipe
from learnlab.recipes.reproduce import ReproductionResult, machine_description, reproductions_page
from learnlab.recipes.reproduction_page_times import (
    page_estimate,
    page_times,
    with_page_times,
)
from learnlab.recipes.reproduction_plan import Estimate

TWO = ["teacher-student-width", "interpolation"]


def _result(name: str, seconds: float, cpu: float | None, threads: int, **changes):
    plain = ReproductionResult(
        name=name,
        reproduction=get_recipe(name).reproduction,
        rows=[],
        run_dir=Path("/nowhere"),
        seconds=seconds,
        quick=False,
        finished="2026-12-06 12:58",
        machine=machine_description(threads),
        cpu_seconds=cpu,
    )
    return dataclasses.replace(plain, **changes)


def test_the_times_written_on_the_page_are_read_back():
    page = reproductions_page(
        [
            _result(TWO[0], 1234.4, 2100.0, 2),
            _result(TWO[1], 56.0, None, 1),
            _result("fgsm", 9.0, 9.0, 2, quick=True),
            _result("lenet5-mnist", 9.0, 9.0, 2, assignments=("epochs=1",)),
            _result("saddles", 9.0, 9.0, 2, time_complete=False),
        ]
    )
    assert "with 1 thread," in page and "with 2 threads," in page
    times = page_times(page)
    assert sorted(times) == sorted(TWO)  # quick, --set and resumed sections are left out
    assert times[TWO[0]].seconds == 1234.0 and times[TWO[0]].cpu_seconds == 2100.0
    assert times[TWO[0]].threads == 2 and times[TWO[0]].when == "2026-12-06 12:58"
    assert times[TWO[1]].cpu_seconds is None and times[TWO[1]].threads == 1


def test_an_estimate_from_the_page_spreads_its_cpu_time_over_fewer_threads(tmp_path):
    (time,) = page_times(reproductions_page([_result(TWO[0], 600.0, 1000.0, 2)])).values()
    alone = page_estimate(TWO[0], time, tmp_path / "p.md", None)
    assert alone.seconds == 600.0 and "configuration then is not checked" in alone.how
    one = page_estimate(TWO[0], time, tmp_path / "p.md", 1)
    assert one.seconds == 1000.0 and "1,000 s of CPU time on 1 now" in one.how
    page = tmp_path / "p.md"
    page.write_text(reproductions_page([_result(TWO[0], 600.0, 1000.0, 2)]))
    known = Estimate(TWO[1], 5.0, "its last run")
    found = with_page_times({TWO[0]: Estimate(TWO[0], None, "unknown"), TWO[1]: known}, page, 2)
    assert found[TWO[0]].seconds == 600.0 and found[TWO[1]] is known  # the index comes first
    assert with_page_times({"x": known}, tmp_path / "missing.md", 2) == {"x": known}


def test_the_plan_of_a_fresh_runs_folder_takes_its_times_from_the_page(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("COLUMNS", "500")
    page = tmp_path / "page.md"
    page.write_text(reproductions_page([_result(TWO[0], 600.0, 1000.0, 2)]))
    argv = ["reproduce", *TWO, "--page", str(page), "--jobs", "2", "--plan"]
    assert main(argv) == 0
    plan = capsys.readouterr().err
    (row,) = [x for x in plan.splitlines() if f"│ {TWO[0]} " in x]
    assert "16 min 40 s" in row and f"{page}, measured 2026-12-06 12:58" in row
    (row,) = [x for x in plan.splitlines() if f"│ {TWO[1]} " in x]
    assert "unknown: no run of it in the run index" in row
    # the unknown one counts as the median of the known: two slots of 1,000 s each
    assert "expected total 16 min 40 s" in plan.replace("\n", " ")
