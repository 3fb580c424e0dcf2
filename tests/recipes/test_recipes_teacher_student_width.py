"""The teacher-student-width reproduction: the config's checks, a quick run through the CLI
(summary, table, figures, the report rebuilt), bad settings refused with exit 2, the claims
read from a summary; the default configuration's claims are the slow test."""

from __future__ import annotations

import json

import pytest

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes.reproduce import TABLE_NAME
from learnlab.recipes.teacher_student_width.config import TeacherStudentWidthConfig
from learnlab.recipes.teacher_student_width.reproduction import (
    rises_strictly,
    teacher_sized_mostly_fail,
)

NAME = "teacher-student-width"


pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def test_defaults_are_n_2n_4n_8n_students_from_twenty_seeds():
    config = TeacherStudentWidthConfig()
    assert config.widths() == [4, 8, 16, 32] and config.seeds >= 20
    assert TeacherStudentWidthConfig(seed=3, seeds=2).seed_list() == [3, 4]


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"width_multiples": [2, 4, 8]}, "width_multiples"),
        ({"width_multiples": [1, 4, 2]}, "width_multiples"),
        ({"width_multiples": [1, 2]}, "width_multiples"),
        ({"threshold": 0}, "threshold"),
        ({"margin": -0.1}, "margin"),
        ({"classes": 1}, "classes"),
    ],
)
def test_bad_settings_are_config_errors(data, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(TeacherStudentWidthConfig, data)


def test_bad_settings_from_the_cli_exit_2_without_a_traceback(tmp_path, capsys):
    argv = ["reproduce", NAME, "--quick", "--run-dir", str(tmp_path / "run")]
    assert main([*argv, "--set", "threshold=-1"]) == 2
    err = capsys.readouterr().err
    assert "threshold" in err and "Traceback" not in err
    assert not (tmp_path / "run").exists()


def test_the_claims_read_the_fractions():
    rising = {"fraction_rises_strictly": True, "fraction_1N": 0.1}
    assert rises_strictly(rising) == 1.0 and teacher_sized_mostly_fail(rising) == 1.0
    flat = {"fraction_rises_strictly": False, "fraction_1N": 0.5}
    assert rises_strictly(flat) == 0.0 and teacher_sized_mostly_fail(flat) == 0.0


def test_quick_reproduction_reports_each_width(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(["reproduce", NAME, "--quick", "--run-dir", str(run_dir)]) == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    tables = json.loads((run_dir / "tables.json").read_text())
    rows = tables["students per width"]
    assert [row["student"] for row in rows] == ["1N = 2 units", "2N = 4 units", "4N = 8 units"]
    fractions = [summary[f"fraction_{m}N"] for m in (1, 2, 4)]
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert summary["fraction_rises_strictly"] == (fractions[0] < fractions[1] < fractions[2])
    assert summary["seeds"] == 3 and summary["threshold"] == 0.005
    assert [row["quantity"][:8] for row in tables[TABLE_NAME]] == ["fraction", "fewer th"]
    report = run_dir / "report.html"
    page = report.read_text()
    assert "final training loss per width" in page and "training loss per epoch" in page
    before = report.read_bytes()
    report.unlink()
    assert main(["report", str(run_dir)]) == 0
    assert report.read_bytes() == before


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 100])
def test_the_default_configuration_shows_the_lectures_claim(tmp_path, capsys, seed):
    """Both claims hold for the default seeds (0) and for another teacher, data and seed set
    (100: teacher and data from seed 100, students 100 to 119)."""
    run_dir = tmp_path / "run"
    argv = ["reproduce", NAME, "--run-dir", str(run_dir), "--set", f"seed={seed}"]
    assert main([*argv, "--set", "progress=false"]) == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    rows = json.loads((run_dir / "tables.json").read_text())[TABLE_NAME]
    print(summary)
    assert summary["fraction_rises_strictly"], summary
    assert all(row["why they differ"].startswith("agrees") for row in rows), rows
