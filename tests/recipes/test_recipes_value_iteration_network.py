"""value-iteration-network: a quick run returns the table (VIN, CNN, planner per size), the
figures and a summary with spreads; the planner succeeds every time; bad settings are
ConfigErrors naming the setting and exit 2 from the CLI without a traceback."""

from __future__ import annotations

import pytest

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes.value_iteration_network.config import ValueIterationNetworkConfig

NAME = "value-iteration-network"


def test_quick_run_reports_both_policies_and_the_planner(tmp_path, isolated_one_thread):
    from learnlab.recipes import get_recipe
    from learnlab.recipes.runner import run_recipe

    published = run_recipe(
        NAME, dict(get_recipe(NAME).quick, progress=False), run_dir=tmp_path / "r"
    )
    result = published.result
    summary = result.summary
    for size in (6, 8):
        assert summary[f"planner_{size}_success"] == 1.0
        assert summary[f"planner_{size}_optimal_moves"] == 1.0
        assert summary[f"planner_{size}_extra_moves"] == 0.0
        for policy in ("vin", "cnn"):
            assert 0 <= summary[f"{policy}_{size}_success"] <= 1
            assert f"{policy}_{size}_success_min" in summary
    rows = result.tables["success and accuracy per grid size"]
    assert [r["policy"] for r in rows] == ["VIN", "CNN", "planner"] * 2
    assert len(result.figures) == 2
    assert (tmp_path / "r" / "report.html").exists()


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"sizes": [3, 8]}, "sizes"),
        ({"iterations": [0, 20]}, "iterations"),
        ({"obstacle_fraction": 0.9}, "obstacle_fraction"),
        ({"obstacle_fraction": -0.1}, "obstacle_fraction"),
        ({"sizes": [8], "iterations": [10, 20]}, "iterations"),
        ({"seeds": 0}, "seeds"),
    ],
)
def test_bad_settings_are_config_errors_naming_the_setting(data, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(ValueIterationNetworkConfig, data)


def test_bad_settings_from_the_cli_exit_2_without_a_traceback(tmp_path, capsys):
    argv = ["run", NAME, "--run-dir", str(tmp_path / "x")]
    assert main([*argv, "--set", "obstacle_fraction=0.95"]) == 2
    err = capsys.readouterr().err
    assert "obstacle_fraction" in err and "Traceback" not in err
    assert main([*argv, "--set", "sizes=[2]", "--set", "iterations=[5]"]) == 2
    err = capsys.readouterr().err
    assert "sizes" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()
