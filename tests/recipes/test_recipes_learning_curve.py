"""The learning-curve recipe: the quick curve on the 8x8 digits end to end from the CLI (each
point a real run and a part of the recipe's run, the fit recomputed from the points, the
report with its figure, rebuilt byte for byte), the steps-per-size rule, and the config
checks."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from learnlab import config as cfg
from learnlab.analysis.learning_curve import fit_power_law
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes import get_recipe
from learnlab.recipes.learning_curve import (
    LearningCurveConfig,
    epochs_for,
    fit_verdict,
    point_config,
)
from learnlab.recipes.runner import run_recipe

NAME = "learning-curve"
QUICK = get_recipe(NAME).quick


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))


def _toml(value) -> str:
    """A `--set` value: JSON is TOML but for tables, which are written inline."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def test_quick_curve_from_the_cli(tmp_path, capsys):
    run_dir = tmp_path / "curve"
    argv = ["run", NAME, "--run-dir", str(run_dir)]
    for key, value in QUICK.items():  # dataset=digits, sizes 60 to 1,000, 40 steps at least
        argv += ["--set", f"{key}={_toml(value)}"]
    assert main(argv) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(run_dir)
    summary = json.loads((run_dir / "summary.json").read_text())
    points = summary["points"]
    assert [p["n"] for p in points] == [60, 150, 400, 1000]
    for p in points:  # each point is a part with its run directory, trained on exactly n
        assert p["run_dir"] == f"n-{p['n']}"
        point = json.loads((run_dir / p["run_dir"] / "summary.json").read_text())
        assert point["test_accuracy"] == pytest.approx(1 - p["test_error"])
        config = json.loads((run_dir / p["run_dir"] / "config.json").read_text())
        assert config["limit_train"] == p["n"]
        # the points skip the baselines' fit and have no page of their own (seconds of
        # figures each); the curve, in the recipe's page, is what they are for
        assert "baseline_logreg_accuracy" not in point and "test_ece" in point
        assert not (run_dir / p["run_dir"] / "report.html").exists()
    # more data helps here: the largest subset beats the smallest clearly
    assert points[-1]["val_error"] < points[0]["val_error"] - 0.03
    # and learns something: always answering the most frequent digit errs on 89.7% of the
    # test split (37 of 360 right); the largest subset errs on 54.2% here
    assert points[-1]["test_error"] < 0.75
    fit = fit_power_law([p["n"] for p in points], [p["val_error"] for p in points])
    assert (summary["fit_a"], summary["fit_b"], summary["fit_c"]) == (fit.a, fit.b, fit.c)
    needed = fit.size_for_error(0.05)
    expected = None if math.isinf(needed) else needed
    assert summary["size_for_target_error"] == expected
    page = (run_dir / "report.html").read_text()
    assert "Learning curve" in page and "data:image/png;base64," in page
    assert "Error against training-set size" in page
    # four sizes over 1.2 decades of noisy validation errors do not determine the law: the
    # summary, the notes and the figure say so instead of quoting "data needed" at face value
    assert summary["fit_ill_determined"] is fit.ill_determined is True
    assert summary["fit_a_stderr"] == fit.a_stderr
    result = json.loads((run_dir / "result.json").read_text())
    assert result["notes"][1].startswith(f"The fit is ill-determined, {fit.describe()}")
    assert "needs about" not in page
    figure = json.loads((run_dir / "figures.json").read_text())[0]
    assert figure["data"]["fit"]["b_stderr"] == fit.b_stderr

    # `learnlab report` redraws the page and its figure byte for byte (and no point's page)
    before = (run_dir / "report.html").read_bytes()
    assert main(["report", str(run_dir)]) == 0
    assert (run_dir / "report.html").read_bytes() == before
    assert not (run_dir / "n-60" / "report.html").exists()


def test_the_verdict_reads_the_data_needed_only_from_a_determined_fit_and_near_the_data():
    sizes = np.array([250, 500, 1000, 2000, 4000, 8000, 16000, 32000])
    errors = 3.0 * sizes**-0.6 + 0.015 + np.random.default_rng(0).normal(0, 5e-4, sizes.size)
    fit = fit_power_law(sizes, errors)
    assert not fit.ill_determined
    near, far = (LearningCurveConfig(target_error=t) for t in (0.02, 0.016))
    needed = fit.size_for_error(0.02)
    assert 32000 < needed < 10 * 32000
    text = fit_verdict(near, fit, needed, 32000)
    assert "needs about" in text and "a guess" not in text
    needed = fit.size_for_error(0.016)
    assert needed > 10 * 32000  # far beyond the sizes measured: flagged as a guess
    text = fit_verdict(far, fit, needed, 32000)
    assert "needs about" in text and "over 10 times the sizes measured: a guess" in text
    ill = fit_power_law(
        [500, 586, 686, 804, 942, 1104, 1293], np.array([8, 8, 6, 6, 7, 6, 6]) / 144
    )
    text = fit_verdict(near, ill, ill.size_for_error(0.05), 1293)
    assert text.startswith("The fit is ill-determined") and "needs about" not in text


def test_every_size_gets_at_least_min_steps_within_the_epoch_bounds():
    config = LearningCurveConfig(batch_size=100, min_steps=1000, min_epochs=2, max_epochs=50)
    assert epochs_for(config, 100_000) == 2  # 1000 steps per epoch already: min_epochs
    assert epochs_for(config, 10_000) == 10  # 100 steps per epoch
    assert epochs_for(config, 1_000) == 50  # would need 100 epochs: capped
    assert point_config(config, 5000).limit_train == 5000


def test_dry_run_checks_the_points_runs(capsys):
    argv = ["run", NAME, "--dry-run", "--set", "sizes=[100, 200, 400, 800]"]
    assert main(argv) == 0
    assert "mnist: model, optimizer and schedule built" in capsys.readouterr().err
    assert main([*argv, "--set", "optimizer=nope"]) == 2
    assert "unknown optimizer 'nope'" in capsys.readouterr().err


def test_bad_settings_are_refused_before_any_training(tmp_path):
    with pytest.raises(ConfigError, match="at least 4 distinct sizes"):
        cfg.build_config(LearningCurveConfig, assignments=["sizes=[10, 20, 20, 10]"])
    config = LearningCurveConfig(dataset="digits", sizes=[10, 20, 40, 100_000])
    with pytest.raises(ConfigError, match="training examples"):
        run_recipe(NAME, config, run_dir=tmp_path / "curve")
    assert not any(tmp_path.iterdir())  # nothing written
