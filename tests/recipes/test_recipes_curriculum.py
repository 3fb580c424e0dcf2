"""The curriculum recipe: curriculum, anti-curriculum and a random-order control against the
plain schedule at equal steps on noisy labels, >= 3 seeds with spreads; bad settings exit 2.
The slow test asserts the default configuration's measured gain of the curriculum."""

from __future__ import annotations

import pytest

from learnlab.cli import main
from learnlab.recipes.curriculum.config import CurriculumConfig
from learnlab.recipes.curriculum.experiment import with_label_noise
from learnlab.recipes.runner import run_recipe

NAME = "curriculum"
METHODS = ("plain", "curriculum", "anti_curriculum", "random_order")

pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def test_quick_run_compares_every_method_over_three_seeds(tmp_path, quick_run_copy):
    published = quick_run_copy(NAME, tmp_path / "run")
    summary, result = published.summary, published.result
    assert summary["seeds"] == 3 and summary["steps"] == 40
    for method in METHODS:
        assert 0.0 <= summary[f"{method}_test_error"] <= 1.0
        assert summary[f"{method}_test_error_std"] is not None  # a spread over the seeds
        assert summary[f"{method}_best_val_error"] <= summary[f"{method}_val_error"]
    for method in METHODS[1:]:  # paired against plain
        assert summary[f"{method}_minus_plain"] == pytest.approx(
            summary[f"{method}_test_error"] - summary["plain_test_error"]
        )
    (rows,) = result.tables.values()
    assert [r["method"] for r in rows] == ["plain", "curriculum", "anti-curriculum", "random-order"]
    assert all("verdict" in r for r in rows[1:])
    (figure,) = result.figures
    assert [len(c) for c in figure.data["val_curves"]] == [3, 3, 3, 3]
    assert figure.data["steps"] == [20, 40]
    assert 0.0 <= summary["teacher_noise_precision"] <= 1.0
    assert (tmp_path / "run" / "report.html").is_file()


def test_label_noise_changes_exactly_the_fraction_asked_to_another_class():
    import torch

    y = torch.arange(1000) % 10
    noisy_y, changed = with_label_noise(y, 0.4, 10, seed=3)
    assert int(changed.sum()) == 400
    assert bool((noisy_y[changed] != y[changed]).all()) and torch.equal(
        noisy_y[~changed], y[~changed]
    )
    assert int(noisy_y.min()) >= 0 and int(noisy_y.max()) <= 9


@pytest.mark.parametrize(
    ("setting", "named"),
    [
        ("start=0", "start"),
        ("start=1.5", "start"),
        ("pacing=cubic", "pacing"),
        ("steps=45", "evaluations"),
        ("methods=[]", "methods"),
    ],
)
def test_bad_settings_exit_2_naming_the_setting(tmp_path, capsys, setting, named):
    assert main(["run", NAME, "--run-dir", str(tmp_path / "x"), "--set", setting]) == 2
    err = capsys.readouterr().err
    assert named in err and "Traceback" not in err


def test_the_defaults_are_noisy_mnist_five_seeds_and_every_method():
    config = CurriculumConfig()
    assert (config.dataset, config.label_noise, config.seeds) == ("mnist", 0.4, 5)
    assert config.methods == ["plain", "curriculum", "anti-curriculum", "random-order"]


@pytest.mark.slow
def test_default_run_shows_the_curriculum_gain_on_noisy_labels(tmp_path, data_root):
    settings = {"data_root": str(data_root), "download": False, "progress": False}
    summary = run_recipe(NAME, settings, run_dir=tmp_path / "run").summary
    # a gain: the paired mean difference more than two standard errors below 0
    assert summary["curriculum_minus_plain"] < -2 * summary["curriculum_minus_plain_stderr"]
