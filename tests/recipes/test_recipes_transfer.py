"""The transfer recipe: an MNIST network's first k layers frozen, the rest fine-tuned on a few
USPS digits, against scratch; discriminative lrs and gradual unfreezing rows; seeds as parts.

Fast tests: the quick run through the Python API (the table over k, the rows, the spreads,
the figure, the source network kept as a part that --resume reads back), MNIST brought to
USPS's resolution, and bad input (k > layers, k < 0, 0 examples per class) refused by the
config and through `learnlab run transfer --set ...` with exit 2 and no traceback.
"""

from __future__ import annotations

import json

import pytest
import torch

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes.runner import run_recipe, saved_config
from learnlab.recipes.transfer.config import TransferConfig
from learnlab.recipes.transfer.data import mnist_as_usps

NAME = "transfer"

pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def test_defaults_sweep_every_k_of_lenet5_on_100_and_1000_examples_over_3_seeds():
    config = TransferConfig()
    assert config.model == "lenet5" and config.examples_per_class == [10, 100]
    assert config.frozen_counts() == [0, 1, 2, 3, 4, 5] and config.seeds >= 3


def test_mnist_is_cropped_to_its_20x20_box_and_resized_to_16x16():
    x = torch.zeros(1, 1, 28, 28, dtype=torch.uint8)
    x[0, 0, 4:24, 4:24] = 255  # the box MNIST digits are normalised into
    x[0, 0, :2] = 255  # outside the box: cropped away
    out = mnist_as_usps(x)
    assert out.shape == (1, 1, 16, 16)
    torch.testing.assert_close(out, torch.ones(1, 1, 16, 16))


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"frozen": [6]}, r"k=6 .* lenet5, which has 5 \(features.conv1"),
        ({"frozen": [-1]}, r"k=-1"),
        ({"examples_per_class": [0]}, "examples_per_class"),
        (
            {"model": "mlp", "model_options": {"depth": 1}, "frozen": [3]},
            r"k=3 .* has 2 \(fc1, out",
        ),
    ],
)
def test_bad_settings_are_config_errors_naming_the_setting(settings, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(TransferConfig, settings)


@pytest.mark.parametrize(
    ("setting", "match"),
    [("frozen=[6]", "k=6"), ("frozen=[-1]", "k=-1"), ("examples_per_class=[0]", "examples_per")],
)
def test_bad_settings_from_the_cli_exit_2_without_a_traceback(setting, match, tmp_path, capsys):
    run_dir = tmp_path / "x"
    assert main(["run", NAME, "--run-dir", str(run_dir), "--set", setting]) == 2
    err = capsys.readouterr().err
    assert match in err and "Traceback" not in err
    assert not run_dir.exists()


def test_quick_run_tables_every_k_against_scratch_and_resumes_the_source(
    tmp_path, quick_run_copy, capsys
):
    run_dir = tmp_path / NAME
    published = quick_run_copy(NAME, run_dir)
    summary, tables = published.summary, published.result.tables
    assert summary["seeds"] == 2 and summary["layers"] == 5
    table = next(rows for title, rows in tables.items() if title.startswith("USPS test error"))
    assert [row["run"].split(":")[0].split(",")[0] for row in table] == [
        *(f"k = {k}" for k in range(6)),
        "k = 0",
        "k = 0",
        "from scratch (random init",
    ]
    assert (
        set(table[0]) == {"run", "20 examples", "50 examples"} and "+-" in table[0]["20 examples"]
    )
    for n in (20, 50):
        for row in ("k0", "k5", "discriminative", "gradual", "scratch", "transfer"):
            assert 0 <= summary[f"n{n}_{row}_test_error"] <= 1
            assert f"n{n}_{row}_test_error_std" in summary
    # k = all layers trains nothing: the MNIST network as it is, on USPS
    for seed in (0, 1):
        source = json.loads((run_dir / f"source-seed-{seed}" / "summary.json").read_text())
        targets = json.loads((run_dir / f"targets-seed-{seed}" / "summary.json").read_text())
        assert targets["n20_k5_test_error"] == source["usps_test_error"]
        assert (run_dir / f"source-seed-{seed}" / "model.safetensors").is_file()
    assert published.result.figures[0].data["ks"] == [0, 1, 2, 3, 4, 5]
    # --resume: the finished parts are read back (the source network from its weights)
    (run_dir / "summary.json").unlink()
    (run_dir / "targets-seed-1" / "summary.json").unlink()
    capsys.readouterr()
    again = run_recipe(NAME, saved_config(run_dir), resume=run_dir)
    assert again.summary == summary
    err = capsys.readouterr().err
    for part in ("source-seed-0", "source-seed-1", "targets-seed-0"):
        assert f"{part}: finished in an earlier attempt" in err
    assert "targets-seed-1: finished" not in err


@pytest.mark.slow
def test_default_config_transfer_beats_scratch(tmp_path, data_root):
    """The issue's target on the default config (measured: gains +11.8 and +2.7 points for
    100 and 1,000 examples, every seed gaining; 271 s of CPU time, held to 420 s here)."""
    import time

    config = TransferConfig(data_root=str(data_root), download=False, progress=False)
    started = time.process_time()
    summary = run_recipe(NAME, config, run_dir=tmp_path / NAME).summary
    assert time.process_time() - started < 420
    assert summary["reached_target"]
    for n in (100, 1000):
        assert summary[f"n{n}_gain_points_min"] > 0  # every seed
    assert summary["n100_gain_points"] > 5
