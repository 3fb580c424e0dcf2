"""Figures build for the histories a run produces, and encode to valid PNG."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from learnlab.io.errors import ConfigError, DataError
from learnlab.report.plots import (
    confusion_matrix_figure,
    figure_to_png_bytes,
    save_figure,
    training_curves_figure,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def history(epochs: int, accuracy: bool = True) -> list[dict[str, float]]:
    rows = []
    for e in range(1, epochs + 1):
        row = {"epoch": e, "train_loss": 1 / e, "val_loss": 1.2 / e, "lr": 0.1 * 0.5**e}
        if accuracy:
            row |= {"train_accuracy": 1 - 0.5 / e, "val_accuracy": 1 - 0.6 / e}
        row["seconds"] = 1.5
        rows.append(row)
    return rows


def panel_titles(fig) -> list[str]:
    return [ax.get_title() for ax in fig.axes]


def test_multi_epoch_history_has_three_panels_with_both_series() -> None:
    fig = training_curves_figure(history(10))
    assert panel_titles(fig) == ["loss", "accuracy", "learning rate"]
    loss_axis = fig.axes[0]
    assert [line.get_label() for line in loss_axis.get_lines()] == ["train_loss", "val_loss"]
    np.testing.assert_allclose(
        loss_axis.get_lines()[1].get_ydata(), [1.2 / e for e in range(1, 11)]
    )
    assert fig.axes[2].get_yscale() == "log"  # lr spans 0.05 .. 1e-4
    assert figure_to_png_bytes(fig).startswith(PNG_SIGNATURE)


def test_single_epoch_history_draws_visible_markers() -> None:
    fig = training_curves_figure(history(1))
    for ax in fig.axes:
        for line in ax.get_lines():
            assert line.get_marker() == "o"
        assert list(ax.get_xticks()) == [1]
    assert figure_to_png_bytes(fig).startswith(PNG_SIGNATURE)


def test_step_losses_are_drawn_beside_the_epoch_curves_on_one_axis_of_epochs() -> None:
    """The loss at every step shares the loss panel with the per-epoch curves: step s at
    s / steps_per_epoch, so epoch e's steps end where epoch e's points are."""
    steps_per_epoch = 50
    steps = [2.5 * math.exp(-s / 20) + 0.05 for s in range(3 * steps_per_epoch)]
    fig = training_curves_figure(history(3), steps, steps_per_epoch)
    assert panel_titles(fig) == ["loss", "accuracy", "learning rate"]
    loss_axis = fig.axes[0]
    lines = {line.get_label(): line for line in loss_axis.get_lines()}
    every = lines["train loss, every step"]
    np.testing.assert_allclose(every.get_xdata(), np.arange(1, 151) / 50)
    np.testing.assert_allclose(every.get_ydata(), steps)
    assert "mean of 7 steps" in lines and {"train_loss", "val_loss"} <= set(lines)
    assert list(lines["train_loss"].get_xdata()) == [1, 2, 3]
    assert loss_axis.get_yscale() == "log"  # 2.55 down to 0.05: the first steps flatten it
    # the loss panel is the wide one, and every panel spans the same epochs
    widths = [ax.get_position().width for ax in fig.axes]
    assert widths[0] > 1.4 * widths[1]
    assert {ax.get_xlim() for ax in fig.axes} == {loss_axis.get_xlim()}
    assert loss_axis.get_xlim()[0] == 0 and loss_axis.get_xlim()[1] >= 3
    assert figure_to_png_bytes(fig).startswith(PNG_SIGNATURE)


def test_history_without_accuracy_skips_the_panel() -> None:
    fig = training_curves_figure(history(3, accuracy=False))
    assert panel_titles(fig) == ["loss", "learning rate"]


def test_sparse_and_diverged_values_are_drawn_where_present() -> None:
    rows = [{"train_loss": 1.0}, {"train_loss": 0.5, "val_loss": 0.7}, {"train_loss": math.inf}]
    fig = training_curves_figure(rows)
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    assert list(lines["val_loss"].get_xdata()) == [2]  # x defaults to 1, 2, ... without "epoch"
    assert math.isnan(lines["train_loss"].get_ydata()[-1])  # inf shown as a gap
    figure_to_png_bytes(fig)


def test_bad_history_raises() -> None:
    with pytest.raises(DataError, match="empty"):
        training_curves_figure([])
    with pytest.raises(DataError, match="list of dicts"):
        training_curves_figure({"train_loss": 1.0})


@pytest.mark.parametrize("k", [3, 10])
def test_confusion_figure_annotates_counts(k: int) -> None:
    counts = torch.arange(k * k).reshape(k, k) + torch.eye(k, dtype=torch.int64) * 50
    fig = confusion_matrix_figure(counts, class_names=[f"class {i}" for i in range(k)])
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert len(fig.axes[0].texts) == k * k
    assert str(int(counts[k - 1, k - 1])) in texts
    image = fig.axes[0].get_images()[0].get_array()
    np.testing.assert_allclose(image.sum(axis=1), np.ones(k))  # rows normalised
    assert figure_to_png_bytes(fig).startswith(PNG_SIGNATURE)


def test_confusion_figure_raw_counts_and_many_classes() -> None:
    counts = np.random.default_rng(0).integers(0, 9, size=(20, 20))
    counts[3] = 0  # a class with no examples must not produce NaN
    fig = confusion_matrix_figure(counts, normalize=False)
    assert len(fig.axes[0].texts) == 0  # too many classes to annotate
    np.testing.assert_array_equal(fig.axes[0].get_images()[0].get_array(), counts)
    normalized = confusion_matrix_figure(counts).axes[0].get_images()[0].get_array()
    assert np.isfinite(normalized).all() and normalized[3].sum() == 0


def test_confusion_figure_rejects_mismatched_names() -> None:
    with pytest.raises(ConfigError, match="3 names but the confusion matrix has 2"):
        confusion_matrix_figure(np.eye(2), class_names=["a", "b", "c"])
    with pytest.raises(DataError, match="square"):
        confusion_matrix_figure(np.ones((2, 3)))


def test_save_figure_is_atomic_and_checks_the_suffix(tmp_path: Path) -> None:
    fig = training_curves_figure(history(2))
    save_figure(fig, tmp_path / "curves.png")
    save_figure(fig, tmp_path / "curves.svg")
    assert (tmp_path / "curves.png").read_bytes().startswith(PNG_SIGNATURE)
    assert b"<svg" in (tmp_path / "curves.svg").read_bytes()[:500]
    with pytest.raises(ConfigError, match="not an image format"):
        save_figure(fig, tmp_path / "curves.txt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curves.png", "curves.svg"]
