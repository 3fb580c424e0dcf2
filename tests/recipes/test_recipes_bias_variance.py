"""The bias-variance recipe: the config's checks, a quick run through the CLI, bad settings
refused with exit 2, the shapes read from a summary."""

from __future__ import annotations

import json

import pytest

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes.bias_variance import _summary
from learnlab.recipes.bias_variance.config import BiasVarianceConfig
from learnlab.recipes.reproduce import TABLE_NAME

NAME = "bias-variance"

pytestmark = pytest.mark.usefixtures("isolated_one_thread")


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"widths": []}, "widths"),
        ({"widths": [0, 4]}, "widths"),
        ({"noise_std": -1}, "noise_std"),
        ({"degrees": [0, 1, 40]}, "degrees"),
        ({"feature_ratios": [2.0]}, "feature_ratios"),
        ({"resampling": "jackknife"}, "resampling"),
    ],
)
def test_bad_settings_are_config_errors(data, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(BiasVarianceConfig, data)


@pytest.mark.parametrize(("setting", "name"), [("widths=[]", "widths"), ("widths=[0]", "widths")])
def test_bad_settings_from_the_cli_exit_2_without_a_traceback(tmp_path, capsys, setting, name):
    argv = ["reproduce", NAME, "--quick", "--run-dir", str(tmp_path / "run"), "--set", setting]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert name in err and "Traceback" not in err


def _rows(values):
    return [
        {
            "complexity": c,
            "bias_squared": b,
            "variance": v,
            "total": b + v + 0.09,
            "measured": b + v + 0.09,
        }
        for c, b, v in values
    ]


def test_the_summary_reads_the_shapes():
    config = BiasVarianceConfig(
        degrees=[0, 1, 2], widths=[1, 8], train_size=10, feature_ratios=[0.5, 1.0, 2.0]
    )
    parts = {
        "polynomial": {
            "rows": _rows([(0, 1.0, 0.01), (1, 0.01, 0.02), (2, 0.0, 1.0)]),
            "cpu_seconds": 0.1,
        },
        "features": {
            "rows": _rows([(5, 0.3, 0.1), (10, 0.3, 9.0), (20, 0.2, 0.5)]),
            "cpu_seconds": 0.1,
        },
        "mlp": {"rows": _rows([(1, 0.1, 0.01), (8, 0.02, 0.03)]), "cpu_seconds": 0.1},
    }
    summary = _summary(config, parts)
    assert summary["polynomial_u_shape"] and summary["polynomial_best_degree"] == 1
    assert summary["features_variance_peak_over_n"] == 1.0
    assert summary["mlp_trade_off"] and summary["largest_identity_gap"] == 0.0


def test_quick_run_reports_every_part_and_the_decomposition_adds_up(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(["reproduce", NAME, "--quick", "--run-dir", str(run_dir)]) == 0
    tables = json.loads((run_dir / "tables.json").read_text())
    summary = json.loads((run_dir / "summary.json").read_text())
    degrees = [row["polynomial degree"] for row in tables["polynomial: polynomial degree"]]
    assert degrees == ["0", "2", "4", "6"]
    for rows in (tables[k] for k in tables if k != TABLE_NAME):
        for row in rows:
            parts = float(row["bias^2"]) + float(row["variance"]) + float(row["noise"])
            assert parts == pytest.approx(float(row["bias^2 + variance + noise"]), rel=1e-3)
    assert summary["largest_identity_gap"] < 0.5  # 3 to 10 fits: a rough Monte-Carlo check
    page = (run_dir / "report.html").read_text()
    assert all(f"{p}: bias^2, variance, total" in page for p in ("polynomial", "features", "mlp"))


@pytest.mark.slow
def test_the_default_configuration_shows_both_regimes(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(["reproduce", NAME, "--run-dir", str(run_dir), "--set", "progress=false"]) == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["polynomial_u_shape"] and summary["features_variance_peak_over_n"] == 1.0
    assert summary["largest_identity_gap"] < 0.1
