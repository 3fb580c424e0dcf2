"""The batch-size-noise recipe: the standard error of a minibatch gradient against
sigma/sqrt(n) (with the finite-population correction without replacement).

The formula is checked exactly on a tiny population by enumerating every minibatch; the quick
run on MNIST checks that measured/theory is within 0.1 of 1 at every n, at initialisation and
trained, and that without the correction the largest batch would be far off (so the check can
fail); bad batch sizes are ConfigErrors and exit 2 from the CLI.
"""

from __future__ import annotations

import itertools
import json
import math

import pytest
import torch

from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes.batch_size_noise.config import BatchSizeNoiseConfig
from learnlab.recipes.batch_size_noise.noise import (
    draw_batches,
    full_gradient,
    gradient_sigma,
    minibatch_errors,
    noise_at,
)
from learnlab.recipes.runner import run_recipe

NAME = "batch-size-noise"
TOLERANCE = 0.1

pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def _tiny():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 3))
    model = model.double()
    x = torch.randn(7, 3, dtype=torch.float64)
    return model, x, torch.tensor([0, 1, 2, 0, 1, 2, 2])


@pytest.mark.parametrize(
    ("replacement", "n"), [(False, 1), (False, 2), (False, 5), (False, 7), (True, 1), (True, 3)]
)
def test_theory_is_exact_over_every_minibatch(replacement, n):
    """The mean of ||g_B - gbar||^2 over ALL minibatches (every n-subset, or every n-tuple with
    replacement) equals (sigma/sqrt(n))^2, times (N-n)/(N-1) without replacement."""
    model, x, y = _tiny()
    population = len(x)
    every = (
        itertools.product(range(population), repeat=n)
        if replacement
        else itertools.combinations(range(population), n)
    )
    batches = torch.tensor(list(every))
    gbar = full_gradient(model, x, y, chunk=3)
    sigma = gradient_sigma(model, x, y, gbar, chunk=3)
    errors = minibatch_errors(model, x, y, gbar, batches, chunk=5)
    row = noise_at(n, sigma, errors, population, replacement)
    expected_correction = 1.0 if replacement else math.sqrt((population - n) / (population - 1))
    assert row.correction == pytest.approx(expected_correction, rel=1e-15)
    assert row.measured == pytest.approx(row.theory, rel=1e-9, abs=1e-12)
    if replacement or n < population:
        assert row.ratio == pytest.approx(1.0, rel=1e-9)


def test_draws_without_replacement_are_distinct_examples():
    batches = draw_batches(10, 6, 50, False, torch.Generator().manual_seed(0))
    assert batches.shape == (50, 6)
    assert all(len(set(row.tolist())) == 6 for row in batches)
    assert int(batches.max()) <= 9 and int(batches.min()) >= 0


def test_quick_run_measures_sigma_over_sqrt_n_at_both_points(tmp_path, quick):
    config = quick(NAME)
    summary = run_recipe(NAME, config, run_dir=tmp_path / "run").summary
    n_max = max(config["batch_sizes"])
    for point in ("initialisation", "trained"):
        for n in config["batch_sizes"]:
            assert abs(summary[f"ratio_{point}_n{n}"] - 1) < TOLERANCE, (point, n)
        # a real check: without the finite-population correction the largest batch (half of N)
        # would be about 0.71 of the theory, far outside the tolerance
        correction = math.sqrt((config["examples"] - n_max) / (config["examples"] - 1))
        assert abs(summary[f"ratio_{point}_n{n_max}"] * correction - 1) > 2 * TOLERANCE
    assert summary["sigma_trained"] != summary["sigma_initialisation"]
    assert summary["trained_train_accuracy"] > 0.5  # it did train
    assert all(summary[f"ms_per_step_n{n}"] > 0 for n in config["batch_sizes"])
    tables = json.loads((tmp_path / "run" / "tables.json").read_text())
    assert len(tables["standard error per batch size"]) == 2 * len(config["batch_sizes"])
    assert [row["n"] for row in tables["time per step"]] == [str(n) for n in config["batch_sizes"]]
    figures = json.loads((tmp_path / "run" / "figures.json").read_text())
    assert len(figures) == 2 and (tmp_path / "run" / "report.html").is_file()


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"batch_sizes": [0, 4]}, "batch_sizes"),
        ({"examples": 100, "batch_sizes": [4, 101]}, r"batch_sizes \[101\].*larger than the data"),
        ({"batch_sizes": [4, 4]}, "distinct"),
        ({"examples": 70_000}, "examples"),
    ],
)
def test_bad_settings_are_config_errors_naming_the_setting(settings, match):
    with pytest.raises(ConfigError, match=match):
        BatchSizeNoiseConfig(**settings)


@pytest.mark.parametrize("batch_sizes", ["[0]", "[100000]"])
def test_bad_batch_size_from_the_cli_exits_2_without_a_traceback(tmp_path, capsys, batch_sizes):
    argv = ["run", NAME, "--run-dir", str(tmp_path / "run"), "--set", f"batch_sizes={batch_sizes}"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "batch_sizes" in err and "Traceback" not in err
    assert not (tmp_path / "run").exists()
