"""Random views for contrastive learning (torch's affine_grid / grid_sample): no setting is the
identity, each warp moves a dot by no more than its bound, rotation keeps its distance from the
centre, the noise has its standard deviation, a seeded generator replays, bad settings refused."""

from __future__ import annotations

import math

import pytest
import torch

from learnlab.data.views import ViewAugment, gaussian_kernel
from learnlab.io.errors import ConfigError


def _dots(n: int = 16, size: int = 29, at: tuple[int, int] = (14, 20)) -> torch.Tensor:
    x = torch.zeros(n, 1, size, size)
    x[:, 0, at[0], at[1]] = 1.0
    return x


def _centroids(x: torch.Tensor) -> torch.Tensor:
    """(N, 2) mass centres (row, column) of each image, in pixels."""
    _, _, h, w = x.shape
    mass = x[:, 0].clamp_min(0)
    rows = (mass.sum(2) * torch.arange(h)).sum(1) / mass.sum((1, 2))
    cols = (mass.sum(1) * torch.arange(w)).sum(1) / mass.sum((1, 2))
    return torch.stack([rows, cols], 1)


def test_no_setting_gives_the_images_back():
    x = torch.rand(3, 1, 28, 28)
    view = ViewAugment()(x, torch.Generator().manual_seed(0))
    torch.testing.assert_close(view, x, atol=1e-5, rtol=0)


@pytest.mark.parametrize(
    ("settings", "bound"), [({"translate": 3.0}, 3.0), ({"elastic_alpha": 2.0}, 2.0)]
)
def test_translation_and_elastic_distortion_move_a_dot_by_at_most_their_bound(settings, bound):
    x = _dots()
    moved = _centroids(ViewAugment(**settings)(x, torch.Generator().manual_seed(1))) - _centroids(x)
    distance = moved.norm(dim=1)
    assert (moved.abs() <= bound + 1e-4).all() and (distance > 0.05).any()


def test_rotation_keeps_a_dot_at_its_distance_from_the_centre():
    x = _dots()  # centre (14, 14), dot 6 pixels to the right
    view = ViewAugment(rotate=30.0)(x, torch.Generator().manual_seed(2))
    offset = _centroids(view) - 14.0
    torch.testing.assert_close(offset.norm(dim=1), torch.full((16,), 6.0), atol=0.15, rtol=0)
    angles = torch.rad2deg(torch.atan2(offset[:, 0], offset[:, 1])).abs()
    assert (angles <= 30.0 + 1.0).all() and (angles > 1.0).any()


def test_noise_has_its_standard_deviation_and_a_seed_replays_the_views():
    x = torch.zeros(64, 1, 28, 28)
    augment = ViewAugment(translate=2, rotate=10, elastic_alpha=1.5, noise_std=0.3)
    first = augment(x, torch.Generator().manual_seed(3))
    assert float(first.std()) == pytest.approx(0.3, rel=0.02)
    torch.testing.assert_close(first, augment(x, torch.Generator().manual_seed(3)))
    assert not torch.equal(first, augment(x, torch.Generator().manual_seed(4)))


def test_gaussian_kernel_sums_to_one_and_has_its_sigma():
    kernel = gaussian_kernel(3.0).double()
    taps = torch.arange(len(kernel), dtype=torch.float64) - len(kernel) // 2
    assert float(kernel.sum()) == pytest.approx(1.0)
    assert math.sqrt(float((kernel * taps**2).sum())) == pytest.approx(3.0, rel=0.1)


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"rotate": -5}, "rotate"),
        ({"rotate": 200}, "rotate=200"),
        ({"noise_std": -0.1}, "noise_std"),
        ({"elastic_sigma": 0}, "elastic_sigma"),
        ({"translate": "2"}, "translate"),
    ],
)
def test_bad_settings_are_config_errors_naming_the_setting(settings, match):
    with pytest.raises(ConfigError, match=match):
        ViewAugment(**settings)


def test_images_must_be_a_batch_of_channels_and_pixels():
    with pytest.raises(ConfigError, match=r"\(N, C, H, W\)"):
        ViewAugment()(torch.zeros(28, 28), torch.Generator())
