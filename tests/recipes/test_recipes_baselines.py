"""The baselines recipe: L4's default baselines (SGD + momentum, Adam, batch norm, dropout +
weight decay + early stopping) side by side through `learnlab train` runs, the trivial
baselines beside them, the one to start from chosen on validation data; a user's model file;
bad settings exit 2."""

from __future__ import annotations

import textwrap

import pytest

from learnlab.cli import main
from learnlab.recipes.runner import run_recipe

NAME = "baselines"

pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def test_quick_run_trains_each_baseline_and_chooses_on_validation(tmp_path, quick_run_copy):
    run_dir = tmp_path / "run"
    published = quick_run_copy(NAME, run_dir)
    result, summary = published.result, published.summary
    rows = result.tables["Default baselines"]
    assert [r["baseline"] for r in rows] == [
        "sgd-momentum",
        "adam",
        "adam-batchnorm",
        "adam-regularised",
    ]
    assert all((run_dir / r["run_dir"] / "summary.json").is_file() for r in rows)
    by_name = {r["baseline"]: r for r in rows}
    assert by_name["sgd-momentum"]["optimizer"] == "momentum"
    assert "norm=batch" in by_name["adam-batchnorm"]["model options"]
    regularised = by_name["adam-regularised"]
    assert "dropout=0.2" in regularised["model options"] and regularised["optimizer"] == "adamw"
    assert regularised["weight decay"] > 0 and regularised["early stopping"] == "yes"
    scores = {b: summary[f"{b.replace('-', '_')}_validation_score"] for b in by_name}
    assert summary["chosen"] == max(scores, key=scores.get)
    trivial = {
        r["baseline"]: r["test error"] for r in result.tables["Trivial baselines (test set)"]
    }
    assert set(trivial) == {"majority class", "logistic regression"}
    assert trivial["majority class"].startswith("8") or trivial["majority class"].startswith("9")
    assert result.figures and set(result.figures[0].data["curves"]) == set(by_name)


def test_a_users_model_file_trains_and_options_it_lacks_are_reported(tmp_path, quick):
    path = tmp_path / "my_model.py"
    path.write_text(
        textwrap.dedent(
            """
            from torch import nn

            def make(input_shape, num_classes, hidden: int = 16):
                size = 1
                for n in input_shape:
                    size *= n
                return nn.Sequential(nn.Flatten(), nn.Linear(size, hidden), nn.ReLU(),
                                     nn.Linear(hidden, num_classes))
            """
        )
    )
    settings = quick(
        NAME, model=f"{path}:make", model_options={}, baselines=["adam", "adam-regularised"]
    )
    result = run_recipe(NAME, settings, run_dir=tmp_path / "run").result
    rows = {r["baseline"]: r for r in result.tables["Default baselines"]}
    assert rows["adam-regularised"]["not available"] == "batch norm, dropout"
    assert rows["adam-regularised"]["weight decay"] > 0  # what the model cannot take is skipped
    assert result.summary["chosen"] in rows


@pytest.mark.parametrize(
    ("setting", "named"),
    [
        ("dataset=no-such-set", "no-such-set"),
        ("model=missing_file.py:make", "missing_file.py"),
        ("dropout=1.5", "dropout"),
        ("baselines=['adam','adam']", "must not repeat"),
    ],
)
def test_bad_settings_exit_2_naming_the_setting(tmp_path, capsys, setting, named):
    assert main(["run", NAME, "--run-dir", str(tmp_path / "x"), "--set", setting]) == 2
    err = capsys.readouterr().err
    assert named in err and "Traceback" not in err
