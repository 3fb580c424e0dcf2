"""The gallery of the worst-classified test images: chosen by loss (numpy as the oracle), kept
only for image data (a run on the 1-D signals of MNIST-1D has none), drawn for grey and colour
images. The digits run's gallery, end to end, is checked in test_report_run_report.py."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from learnlab import runs
from learnlab.report.gallery import (
    GALLERY_SIZE,
    display_images,
    gallery_figure,
    gallery_outputs,
    gallery_section,
    is_image_shape,
    worst_indices,
)
from learnlab.report.headline import headline_section
from learnlab.report.plots import figure_to_png_bytes
from learnlab.report.run_files import read_run_files


def test_worst_indices_rank_by_loss_with_ties_in_example_order():
    g = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 5, (300,), generator=g)
    probabilities = torch.softmax(torch.randn(300, 5, generator=g), dim=1)
    probabilities[10] = probabilities[20] = probabilities[30]  # equal losses where labels agree
    labels[10] = labels[20] = labels[30]
    chosen = worst_indices(labels, probabilities, 40).tolist()
    loss = -np.log(probabilities.double().numpy()[np.arange(300), labels.numpy()])
    oracle = np.argsort(-loss, kind="stable")[:40].tolist()
    assert chosen == oracle


@pytest.mark.parametrize(
    "shape, image",
    [((1, 28, 28), True), ((3, 32, 32), True), ((1, 8, 8), True), ((1, 40), False)],
)
def test_only_images_are_images(shape, image):
    assert is_image_shape(shape) is image
    assert not is_image_shape((2, 28, 28)) and not is_image_shape(())


def test_display_images_scale_or_stretch_to_bytes():
    digits = torch.tensor([[[[0, 8], [16, 4]]]], dtype=torch.uint8)  # values 0..16, white 16
    assert display_images(digits, 16.0).flatten().tolist() == [0, 128, 255, 64]
    standardised = torch.tensor([[[[-1.0, 0.0], [1.0, 3.0]]]])  # not in [0, 1]: stretched
    assert display_images(standardised, 1.0).flatten().tolist() == [0, 64, 128, 255]


def test_data_that_are_not_images_get_no_gallery(tmp_path, monkeypatch):
    from learnlab.config import TrainConfig
    from learnlab.pipeline import run_training

    labels = torch.tensor([0, 1])
    p = torch.tensor([[0.5, 0.5], [0.9, 0.1]])
    assert gallery_outputs((1, 40), torch.zeros(2, 1, 40), 1.0, labels, p) == {}
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    config = TrainConfig(
        dataset="mnist1d",
        model="mlp",
        model_options={"width": 16},
        epochs=1,
        limit_train=500,
        baselines=False,
        progress=False,
    )
    # no page drawn (seconds of figures): the sections are asked directly
    run_dir = run_training(config, run_dir=tmp_path / "run", report=False).run_dir
    tensors, _ = runs.load_outputs(run_dir)
    assert runs.TEST_PROBABILITIES_KEY in tensors and runs.GALLERY_IMAGES_KEY not in tensors
    run = read_run_files(run_dir)
    assert gallery_section(run) is None and headline_section(run) is not None


def test_gallery_figure_draws_grey_and_colour_images():
    grey = torch.randint(0, 256, (GALLERY_SIZE, 1, 8, 8), dtype=torch.uint8)
    colour = torch.randint(0, 256, (5, 3, 8, 8), dtype=torch.uint8)
    for images in (grey, colour):
        n = len(images)
        fig = gallery_figure(images, ["cat"] * n, ["dog"] * (n - 1) + ["cat"], [0.9] * n)
        drawn = [ax for ax in fig.axes if ax.images]
        assert len(drawn) == n
        assert drawn[0].get_title() == "true cat\nmodel dog (90%)"
        assert figure_to_png_bytes(fig, dpi=30).startswith(b"\x89PNG")
