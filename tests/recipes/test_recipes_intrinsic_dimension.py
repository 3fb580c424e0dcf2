"""The intrinsic-dimension reproduction (Li et al. 2018): the defaults are the paper's table
(FC 784-200-200-10 with D = 199,210, the unpadded LeNet with D = 44,426, MNIST and shuffled
pixels, the 0.90 threshold), bad settings are refused (ConfigError naming the setting; exit 2
from the CLI), a quick run searches d per network as parts and draws the accuracy curves, and
the pixel shuffle is one permutation for every image. The slow test asserts the targets of the
default configuration."""

from __future__ import annotations

import json

import pytest
import torch

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes.intrinsic_dimension.config import PARAMETERS, IntrinsicDimensionConfig
from learnlab.recipes.intrinsic_dimension.networks import (
    build_network,
    parameter_count,
    shuffle_pixels,
)
from learnlab.recipes.runner import run_recipe

NAME = "intrinsic-dimension"

pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def test_the_networks_have_the_papers_parameter_counts():
    assert parameter_count("fc") == PARAMETERS["fc"] == 199_210
    assert parameter_count("lenet") == PARAMETERS["lenet"] == 44_426
    assert parameter_count("lenet-shuffled") == 44_426
    lenet = build_network("lenet", 0)
    assert lenet(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert lenet.features.conv1.padding == (0, 0)


def test_the_defaults_are_the_papers_table_and_convention():
    config = IntrinsicDimensionConfig()
    assert config.networks == ["fc", "lenet", "fc-shuffled", "lenet-shuffled"]
    assert config.threshold == 0.90  # 90% of a baseline taken as 1.0
    assert config.grid[0] == 100 and 750 in config.grid and 1500 in config.grid
    assert (config.projection, config.val_size) == ("sparse", 10_000)


def test_shuffled_pixels_are_one_permutation_for_every_image():
    x = torch.arange(2 * 3 * 4, dtype=torch.float32).reshape(2, 1, 3, 4)
    shuffled = shuffle_pixels(x, seed=7)
    assert shuffled.shape == x.shape
    assert not torch.equal(shuffled, x)
    order = [int(v) for v in shuffled[0].flatten()]
    assert sorted(order) == list(range(12))  # the same pixel values, moved
    assert torch.equal(shuffled[1].flatten(), shuffled[0].flatten() + 12)  # the same move
    assert torch.equal(shuffle_pixels(x, seed=7), shuffled)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"grid": [100, 50_000], "networks": ["lenet"]}, r"d = 50000 is larger than D = 44,426"),
        ({"grid": [300, 100]}, "grid"),
        ({"grid": []}, "grid"),
        ({"networks": []}, "networks"),
        ({"networks": ["fc", "fc"]}, "networks"),
        ({"networks": ["resnet"]}, "networks"),
        ({"threshold": 1.5}, "threshold"),
        ({"projection": "gaussian"}, "projection"),
        ({"epochs": 0}, "epochs"),
    ],
)
def test_bad_settings_are_config_errors_naming_the_setting(data, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(IntrinsicDimensionConfig, data)


def test_fc_accepts_a_d_that_lenet_refuses():
    config = cfg.validate(IntrinsicDimensionConfig, {"grid": [50_000], "networks": ["fc"]})
    assert config.grid == [50_000]


def test_d_above_D_from_the_cli_exits_2_without_a_traceback(tmp_path, capsys):
    argv = ["reproduce", NAME, "--quick", "--run-dir", str(tmp_path / "x")]
    assert main([*argv, "--set", "grid=[10,50000]", "--set", 'networks=["lenet"]']) == 2
    err = capsys.readouterr().err
    assert "d = 50000" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_quick_run_searches_each_network_as_a_part_and_draws_the_curves(tmp_path, quick_run_copy):
    run_dir = tmp_path / "id"
    result = quick_run_copy(NAME, run_dir)
    summary = result.summary
    for network in ("fc", "lenet-shuffled"):
        part = json.loads((run_dir / network / "summary.json").read_text())
        assert part["dims"] == sorted(part["dims"]) and len(part["dims"]) == len(part["accuracies"])
        assert set(part["dims"]) >= {10}
        assert summary[f"d_int90_{network}"] == part["d_int90"]
        passed = [d for d, a in zip(part["dims"], part["accuracies"], strict=True) if a >= 0.3]
        assert part["d_int90"] == (min(passed) if passed else None)
    assert summary["D_fc"] == 199_210 and summary["D_lenet-shuffled"] == 44_426
    tables = json.loads((run_dir / "tables.json").read_text())
    rows = tables["d_int90 per network"]
    assert [row["network"] for row in rows] == ["fc", "lenet-shuffled"]
    assert [row["d_int90 (paper)"] for row in rows] == ["750", "1,400"]
    report = run_dir / "report.html"
    page = report.read_text()
    assert "validation accuracy against the subspace dimension d" in page
    assert "90% of a baseline taken as 1.0" in page
    before = report.read_bytes()
    report.unlink()
    assert main(["report", str(run_dir)]) == 0  # the figure is redrawn from its data
    assert report.read_bytes() == before


@pytest.mark.slow
def test_the_default_configuration_meets_the_targets(tmp_path, data_root):
    summary = run_recipe(
        NAME,
        {"data_root": str(data_root), "download": False, "progress": False},
        run_dir=tmp_path / "id",
    ).summary
    assert 550 <= summary["d_int90_fc"] <= 1000
    assert 200 <= summary["d_int90_lenet"] <= 450
    assert summary["d_int90_lenet-shuffled"] > summary["d_int90_lenet"]
