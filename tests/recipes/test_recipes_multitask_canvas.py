"""The multitask-canvas recipe: the shared trunk with averaged and uncertainty-weighted losses
against the two single-task networks, accuracy and mean IoU over three seeds with spreads, a
table and a figure of canvases with boxes; bad settings exit 2 naming the setting."""

from __future__ import annotations

import pytest

from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes.multitask_canvas.config import MultitaskCanvasConfig
from learnlab.recipes.runner import run_recipe

NAME = "multitask-canvas"

pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def test_quick_run_compares_both_weightings_with_the_single_task_networks(tmp_path, quick_run_copy):
    published = quick_run_copy(NAME, tmp_path / "run")
    summary, result = published.summary, published.result
    assert summary["seeds"] == 3
    for key in ("class_only_accuracy", "average_accuracy", "uncertainty_accuracy"):
        assert 0.0 <= summary[key] <= 1.0 and summary[f"{key}_std"] is not None
    for key in ("box_only_iou", "average_iou", "uncertainty_iou"):
        assert 0.0 <= summary[key] <= 1.0 and f"{key}_min" in summary
    assert "class_only_iou" not in summary and "box_only_accuracy" not in summary
    for weighting in ("average", "uncertainty"):  # paired against the single-task networks
        assert summary[f"{weighting}_accuracy_minus_single"] == pytest.approx(
            summary[f"{weighting}_accuracy"] - summary["class_only_accuracy"]
        )
        assert summary[f"{weighting}_iou_minus_single"] == pytest.approx(
            summary[f"{weighting}_iou"] - summary["box_only_iou"]
        )
    assert "log_var_box" in summary and "log_var_class" in summary
    (rows,) = result.tables.values()
    assert [r["method"] for r in rows] == ["class-only", "box-only", "average", "uncertainty"]
    (figure,) = result.figures
    assert list(figure.data["predicted"]) == ["box-only", "average", "uncertainty"]
    assert list(figure.data["classes"]) == ["class-only", "average", "uncertainty"]
    assert len(figure.data["labels"]) == 3
    assert (tmp_path / "run" / "report.html").is_file()


def test_the_defaults_are_the_64_pixel_canvas_both_weightings_and_three_seeds():
    config = MultitaskCanvasConfig()
    assert (config.canvas, config.seeds, config.weightings) == (64, 3, ["average", "uncertainty"])
    assert config.methods() == ["class-only", "box-only", "average", "uncertainty"]


@pytest.mark.parametrize(
    ("setting", "named"),
    [
        ({"canvas": 20}, "canvas"),
        ({"weightings": ["sum"]}, "weightings"),
        ({"weightings": []}, "weightings"),
    ],
)
def test_bad_settings_are_a_config_error_naming_them(setting, named):
    with pytest.raises(ConfigError, match=named):
        run_recipe(NAME, setting)


@pytest.mark.parametrize(
    ("setting", "named"),
    [("canvas=20", "canvas"), ('weightings=["sum"]', "weightings")],
)
def test_bad_settings_exit_2_naming_the_setting(tmp_path, capsys, setting, named):
    assert main(["run", NAME, "--run-dir", str(tmp_path / "x"), "--set", setting]) == 2
    err = capsys.readouterr().err
    assert named in err and "Traceback" not in err


@pytest.mark.slow
def test_default_run_learns_both_tasks_on_every_network(tmp_path, data_root):
    settings = {"data_root": str(data_root), "download": False, "progress": False}
    summary = run_recipe(NAME, settings, run_dir=tmp_path / "run").summary
    # every network learns its tasks: far above chance (10% accuracy; IoU 0 for no overlap)
    for key in ("class_only_accuracy", "average_accuracy", "uncertainty_accuracy"):
        assert summary[key] > 0.4
    for key in ("box_only_iou", "average_iou", "uncertainty_iou"):
        assert summary[key] > 0.4
    assert summary["log_var_box"] < 0  # the small box loss is weighted up
