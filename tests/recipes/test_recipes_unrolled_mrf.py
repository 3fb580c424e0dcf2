"""The unrolled-mrf recipe: a quick run compares the noisy input, the hand-set and learned
mean-field MRFs and the CNN over seeds with spreads, error against K and example images; the
noise is what its settings say; bad settings exit 2 naming the setting."""

from __future__ import annotations

import math

import pytest
import torch

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes.unrolled_mrf.config import UnrolledMrfConfig
from learnlab.recipes.unrolled_mrf.data import corrupt, noise_log_odds_weight

NAME = "unrolled-mrf"
pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def test_quick_run_compares_the_four_methods_over_seeds_and_against_k(tmp_path, quick_run_copy):
    published = quick_run_copy(NAME, tmp_path / "mrf")
    summary = published.summary
    assert summary["seeds"] == 3 and summary["iterations"] == 3
    for method in ("noisy", "hand", "learned", "cnn"):
        key = f"{method}_error"
        assert 0 <= summary[f"{key}_min"] <= summary[key] <= summary[f"{key}_max"] <= 1
        assert f"{key}_std" in summary and 0 <= summary[f"{method}_iou"] <= 1
    # 100 test images x 784 pixels, each flipped with probability 0.2
    assert summary["noisy_error"] == pytest.approx(0.2, abs=0.01)
    # the classical denoiser, set on validation images only, already beats the noisy input
    assert summary["hand_error"] < summary["noisy_error"] - 0.03
    assert {"hand_error_k1", "learned_error_k1", "learned_error_k3"} <= set(summary)
    assert summary["mrf_free_parameters"] == 14 and summary["cnn_parameters"] > 14
    main_table, by_k = published.result.tables.values()
    assert [row["method"] for row in main_table][0] == "noisy input" and len(main_table) == 4
    assert [row["K"] for row in by_k] == ["1", "3"]
    assert len(published.result.figures) == 2 and (tmp_path / "mrf" / "report.html").exists()


def test_flip_noise_flips_at_its_rate_and_gaussian_log_odds_are_exact():
    clean = (torch.rand(200, 1, 28, 28, generator=torch.Generator().manual_seed(0)) > 0.8).float()
    flip = UnrolledMrfConfig(flip_probability=0.3)
    noisy = corrupt(clean, flip, torch.Generator().manual_seed(1))
    assert float((noisy != clean).float().mean()) == pytest.approx(0.3, abs=0.005)
    assert noise_log_odds_weight(flip) == pytest.approx(math.log(0.7 / 0.3))
    gaussian = UnrolledMrfConfig(noise="gaussian", gaussian_std=0.8)
    noisy = corrupt(clean, gaussian, torch.Generator().manual_seed(1))
    assert float((noisy - clean).std()) == pytest.approx(0.8, rel=0.01)
    # log N(y; 1, s) - log N(y; 0, s) = a (2y - 1) for every y
    y = torch.tensor([-0.7, 0.2, 1.9])
    exact = ((y - 0) ** 2 - (y - 1) ** 2) / (2 * 0.8**2)
    torch.testing.assert_close(noise_log_odds_weight(gaussian) * (2 * y - 1), exact)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"flip_probability": 0.5}, "flip_probability"),
        ({"flip_probability": -0.1}, "flip_probability"),
        ({"iterations": [2, 0]}, "iterations"),
        ({"iterations": []}, "iterations"),
        ({"kernel_size": 4}, "kernel_size"),
        ({"damping": 0}, "damping"),
        ({"seeds": 0}, "seeds"),
    ],
)
def test_bad_settings_are_config_errors_naming_the_setting(data, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(UnrolledMrfConfig, data)


def test_bad_settings_from_the_cli_exit_2_without_a_traceback(tmp_path, capsys):
    argv = ["run", NAME, "--run-dir", str(tmp_path / "x")]
    for setting, name in (
        ("flip_probability=0.6", "flip_probability"),
        ("iterations=[0]", "iterations"),
    ):
        assert main([*argv, "--set", setting]) == 2
        err = capsys.readouterr().err
        assert name in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()
