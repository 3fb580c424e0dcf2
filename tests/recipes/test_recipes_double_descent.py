"""The double-descent reproduction: the config's checks, a quick run through the CLI (tables,
figures, the report rebuilt), bad settings refused with exit 2, the peak read from a summary."""

from __future__ import annotations

import json

import pytest

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes.double_descent import _mnist1d_summary, _rff_summary
from learnlab.recipes.double_descent.config import DoubleDescentConfig
from learnlab.recipes.double_descent.peaks import interpolation_index, peak_near, peak_ratios
from learnlab.recipes.reproduce import TABLE_NAME

NAME = "double-descent"

pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def test_defaults_are_the_notebooks_and_belkins_settings():
    config = DoubleDescentConfig()
    assert config.widths[0] == 2 and config.widths[-1] == 300 and 47 in config.widths
    assert (config.label_noise, config.epochs, config.batch_size) == (0.15, 500, 100)
    assert config.rff_train_size in config.feature_counts()


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"label_noise": 1.5}, "label_noise"),
        ({"label_noise": -0.1}, "label_noise"),
        ({"widths": []}, "widths"),
        ({"widths": [4, 0]}, "widths"),
        ({"parts": []}, "parts"),
        ({"rff_feature_ratios": [0.5, 2.0]}, "rff_feature_ratios"),
    ],
)
def test_bad_settings_are_config_errors(data, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(DoubleDescentConfig, data)


@pytest.mark.parametrize(
    ("setting", "name"),
    [("label_noise=1.5", "label_noise"), ("widths=[]", "widths"), ("widths=[-3]", "widths")],
)
def test_bad_settings_from_the_cli_exit_2_without_a_traceback(tmp_path, capsys, setting, name):
    argv = ["reproduce", NAME, "--quick", "--run-dir", str(tmp_path / "run"), "--set", setting]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert name in err and "Traceback" not in err
    assert not (tmp_path / "run").exists()


def test_peak_ratios_and_interpolation_threshold():
    assert peak_ratios([0.5, 0.4, 0.6, 0.3], 2) == pytest.approx((1.5, 2.0))
    assert peak_near([2, 16, 47, 61, 300], [0.7, 0.47, 0.54, 0.53, 0.45], threshold=61) == 2
    assert peak_ratios([0.6, 0.3], 0) == (None, 2.0)
    assert interpolation_index([0.5, 0.2, 0.005, 0.0]) == 2
    assert interpolation_index([0.5, 0.2]) is None


def test_summaries_read_the_peak_of_each_part():
    part = {
        "widths": [2, 16, 47, 300],  # the notebook's errors at these widths
        "train": [0.72, 0.4, 0.0, 0.0],
        "test": [0.6959, 0.4724, 0.5405, 0.4547],
        "cpu_seconds": 1.0,
    }
    summary = _mnist1d_summary(part)
    assert summary["mnist1d_peak_width"] == 47 and summary["mnist1d_interpolation_width"] == 47
    assert summary["mnist1d_ratio_right"] == pytest.approx(0.5405 / 0.4547)
    assert summary["mnist1d_ratio_left"] == pytest.approx(0.5405 / 0.4724)
    assert not summary["mnist1d_target_met"]  # the notebook's own left side: 1.144 < 1.15
    rff = _rff_summary(
        {"counts": [5, 10, 20], "test": [0.2, 0.5, 0.1], "train_size": 10, "cpu_seconds": 1.0}
    )
    assert rff["rff_peak_over_n"] == 1.0 and rff["rff_target_met"]


def test_quick_reproduction_reports_both_parts(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(["reproduce", NAME, "--quick", "--run-dir", str(run_dir)]) == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    tables = json.loads((run_dir / "tables.json").read_text())
    widths = [row["H"] for row in tables["(a) MLP widths on MNIST-1D"]]
    assert widths == ["2", "8", "32"]
    counts = [row["N"] for row in tables["(b) random Fourier features on MNIST"]]
    assert counts == ["30", "60", "120"]
    assert summary["mnist1d_peak_width"] in (2, 8, 32) and "rff_ratio_left" in summary
    assert len(tables[TABLE_NAME]) == 7
    page = (run_dir / "report.html").read_text()
    assert "test error against width" in page and "test error against random features" in page
    before = (run_dir / "report.html").read_bytes()
    (run_dir / "report.html").unlink()
    assert main(["report", str(run_dir)]) == 0
    assert (run_dir / "report.html").read_bytes() == before


@pytest.mark.slow
def test_the_default_configuration_shows_both_peaks(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(["reproduce", NAME, "--run-dir", str(run_dir), "--set", "progress=false"]) == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    print(summary)
    assert summary["rff_target_met"] and summary["rff_peak_over_n"] == 1.0
    assert summary["mnist1d_ratio_right"] >= 1.15
