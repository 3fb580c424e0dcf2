"""Digits on a canvas: each image pasted whole at a seeded random position, the target box the
box of its ink in canvas pixels; a canvas smaller than a digit is refused."""

from __future__ import annotations

import pytest
import torch

from learnlab.data.canvas import digits_on_canvas, ink_boxes
from learnlab.io.errors import ConfigError


def test_ink_box_of_a_hand_drawn_image():
    image = torch.zeros(1, 5, 6)
    image[0, 1, 2] = image[0, 3, 4] = 0.5  # ink in rows 1-3, columns 2-4
    assert ink_boxes(image).tolist() == [[2.0, 1.0, 5.0, 4.0]]
    assert ink_boxes(torch.zeros(1, 5, 6)).tolist() == [[0.0, 0.0, 6.0, 5.0]]  # no ink


def test_each_digit_is_pasted_whole_and_its_box_is_its_ink_on_the_canvas():
    images = torch.rand(50, 7, 7) * (torch.rand(50, 7, 7) > 0.6)
    canvases, boxes = digits_on_canvas(images, size=20, seed=3)
    assert canvases.shape == (50, 1, 20, 20) and boxes.shape == (50, 4)
    for n in range(50):
        on = (canvases[n, 0] > 0).nonzero()
        x0, y0, x1, y1 = boxes[n].long().tolist()
        assert (x0, y0, x1, y1) == (
            int(on[:, 1].min()),
            int(on[:, 0].min()),
            int(on[:, 1].max()) + 1,
            int(on[:, 0].max()) + 1,
        )
        assert canvases[n].sum() == pytest.approx(float(images[n].sum()))
    assert float(boxes.min()) >= 0 and float(boxes.max()) <= 20


def test_placements_are_seeded_and_spread_over_the_canvas():
    images = torch.ones(400, 4, 4)
    first, boxes = digits_on_canvas(images, size=12, seed=0)
    again, _ = digits_on_canvas(images, size=12, seed=0)
    other, _ = digits_on_canvas(images, size=12, seed=1)
    assert torch.equal(first, again) and not torch.equal(first, other)
    # full images: the box is the placement; every top-left corner 0..8 occurs
    assert set(boxes[:, 0].long().tolist()) == set(range(9))
    assert set(boxes[:, 1].long().tolist()) == set(range(9))


def test_a_canvas_the_size_of_the_digit_places_it_at_the_origin():
    image = torch.ones(2, 1, 28, 28)
    canvases, boxes = digits_on_canvas(image, size=28, seed=5)
    assert torch.equal(canvases, image) and boxes.tolist() == [[0, 0, 28, 28]] * 2


def test_a_canvas_smaller_than_a_digit_is_refused_saying_how_large_it_must_be():
    with pytest.raises(ConfigError, match="at least 28"):
        digits_on_canvas(torch.ones(3, 28, 28), size=27, seed=0)
