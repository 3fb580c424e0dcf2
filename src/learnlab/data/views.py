"""Random views of image batches for contrastive learning: translation, rotation, elastic
distortion and additive noise (SimCLR's "pairs from augmentation", Chen et al. 2020; the elastic
distortion of Simard, Steinkraus & Platt 2003).

kornia would be the well-kept library for these warps, but it is not a dependency of learnlab,
so the warps are torch's own: one `affine_grid` per batch (rotation about the centre and a
translation, each image its own), an elastic displacement field added to that sampling grid
(uniform noise in [-1, 1] per pixel and axis, smoothed by a Gaussian of `elastic_sigma` pixels
with `conv2d`, rescaled so that its largest displacement is `elastic_alpha` pixels), one
bilinear `grid_sample` (zeros outside), then Gaussian noise of `noise_std`. Every draw comes
from the CPU generator passed at call time, so a seeded generator replays the same views.

Example:
    >>> import torch
    >>> views = ViewAugment(translate=2, rotate=10.0, elastic_alpha=1.0, noise_std=0.1)
    >>> views(torch.zeros(4, 1, 28, 28), torch.Generator().manual_seed(0)).shape
    torch.Size([4, 1, 28, 28])
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from learnlab.io.errors import ConfigError


def _check(name: str, value: float, *, high: float | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ConfigError(f"{name} must be a number >= 0, got {value!r}; use 0 to turn it off.")
    if high is not None and value > high:
        raise ConfigError(f"{name}={value!r} is too large: use at most {high:g}.")


def gaussian_kernel(sigma: float) -> Tensor:
    """A normalised 1-D Gaussian of standard deviation `sigma`, 2 * ceil(2 sigma) + 1 taps."""
    radius = max(1, math.ceil(2 * sigma))
    taps = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-0.5 * (taps / sigma) ** 2)
    return kernel / kernel.sum()


@dataclass(frozen=True)
class ViewAugment:
    """A random view of each image of (N, C, H, W): shifts up to `translate` pixels, rotations
    up to `rotate` degrees either way, elastic distortion (`elastic_alpha` pixels, smoothness
    `elastic_sigma` pixels) and Gaussian noise of standard deviation `noise_std`."""

    translate: float = 0.0
    rotate: float = 0.0
    elastic_alpha: float = 0.0
    elastic_sigma: float = 3.0
    noise_std: float = 0.0

    def __post_init__(self) -> None:
        _check("translate", self.translate, high=100)
        _check("rotate", self.rotate, high=180)
        _check("elastic_alpha", self.elastic_alpha, high=100)
        _check("noise_std", self.noise_std)
        if not self.elastic_sigma > 0:
            raise ConfigError(
                f"elastic_sigma must be > 0 (pixels of smoothing), got {self.elastic_sigma!r}."
            )

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        if x.dim() != 4:
            raise ConfigError(f"views need images of shape (N, C, H, W), got {tuple(x.shape)}.")
        n, _, h, w = x.shape
        grid = F.affine_grid(self._affine(n, h, w, generator), [n, 1, h, w], align_corners=False)
        if self.elastic_alpha > 0:
            grid = grid + self._elastic(n, h, w, generator)
        view = F.grid_sample(x, grid.to(x), mode="bilinear", align_corners=False)
        if self.noise_std > 0:
            noise = torch.randn(view.shape, generator=generator).to(view)
            view = view + self.noise_std * noise
        return view

    def _affine(self, n: int, h: int, w: int, g: torch.Generator) -> Tensor:
        """(N, 2, 3) maps from output to input coordinates in [-1, 1] (grid_sample's)."""
        angle = math.radians(self.rotate) * (2 * torch.rand(n, generator=g) - 1)
        shift = self.translate * (2 * torch.rand(n, 2, generator=g) - 1)
        cos, sin = torch.cos(angle), torch.sin(angle)
        theta = torch.zeros(n, 2, 3)
        # rotation in pixel units: normalised coordinates scale x by 2/w and y by 2/h
        theta[:, 0, 0], theta[:, 0, 1] = cos, -sin * h / w
        theta[:, 1, 0], theta[:, 1, 1] = sin * w / h, cos
        theta[:, 0, 2], theta[:, 1, 2] = 2 * shift[:, 0] / w, 2 * shift[:, 1] / h
        return theta

    def _elastic(self, n: int, h: int, w: int, g: torch.Generator) -> Tensor:
        """(N, H, W, 2) displacements of the sampling grid: smoothed noise, alpha pixels."""
        field = 2 * torch.rand(n * 2, 1, h, w, generator=g) - 1
        kernel = gaussian_kernel(self.elastic_sigma)
        pad = len(kernel) // 2
        field = F.conv2d(F.pad(field, (pad, pad, 0, 0), mode="replicate"), kernel.view(1, 1, 1, -1))
        field = F.conv2d(F.pad(field, (0, 0, pad, pad), mode="replicate"), kernel.view(1, 1, -1, 1))
        # the smoothed field's spread shrinks with sigma: rescale so its largest value is 1
        field = field / field.abs().amax(dim=(1, 2, 3), keepdim=True).clamp_min(1e-12)
        field = field.view(n, 2, h, w).permute(0, 2, 3, 1)
        return self.elastic_alpha * field * torch.tensor([2 / w, 2 / h])
