"""normalize, flatten and translate against slow references."""

from __future__ import annotations

import pytest
import torch

from learnlab.data.transforms import flatten, normalize, random_translate, translate
from learnlab.io.errors import ConfigError


def reference_translate(img: torch.Tensor, dy: int, dx: int, fill: float) -> torch.Tensor:
    """One image (C, H, W): roll, then overwrite the wrapped-around rows and columns."""
    out = torch.roll(img, shifts=(dy, dx), dims=(-2, -1)).clone()
    h, w = img.shape[-2:]
    if dy > 0:
        out[:, : min(dy, h)] = fill
    elif dy < 0:
        out[:, max(h + dy, 0) :] = fill
    if dx > 0:
        out[:, :, : min(dx, w)] = fill
    elif dx < 0:
        out[:, :, max(w + dx, 0) :] = fill
    return out


def test_normalize_matches_formula_and_copies():
    x = torch.randint(0, 256, (4, 1, 3, 3), dtype=torch.uint8)
    got = normalize(x, scale=255.0, mean=0.1307, std=0.3081)
    expected = ((x.double() / 255.0) - 0.1307) / 0.3081
    assert got.dtype == torch.float32
    torch.testing.assert_close(got.double(), expected, rtol=1e-6, atol=1e-6)
    f = torch.rand(3)
    before = f.clone()
    normalize(f, scale=1.0, mean=0.5, std=2.0)
    assert torch.equal(f, before)
    with pytest.raises(ConfigError, match="std > 0"):
        normalize(f, scale=1.0, mean=0.0, std=0.0)


def test_flatten():
    x = torch.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
    assert torch.equal(flatten(x), x.reshape(2, 60))
    assert flatten(torch.zeros(0, 1, 28, 28)).shape == (0, 784)


@pytest.mark.parametrize("dtype", [torch.uint8, torch.float32])
def test_translate_matches_roll_reference_for_every_shift(dtype):
    g = torch.Generator().manual_seed(0)
    h, w, k = 6, 7, 8  # shifts beyond the image size too
    offsets = [(dy, dx) for dy in range(-k, k + 1) for dx in range(-k, k + 1)]
    x = torch.randint(1, 250, (len(offsets), 2, h, w), generator=g).to(dtype)
    shifts = torch.tensor(offsets)
    fill = 255 if dtype == torch.uint8 else -0.42
    got = translate(x, shifts, fill=fill)
    assert got.dtype == dtype and got.shape == x.shape
    for n, (dy, dx) in enumerate(offsets):
        assert torch.equal(got[n], reference_translate(x[n], dy, dx, fill)), (dy, dx)


def test_random_translate_moves_a_pixel_by_the_drawn_offset():
    n, size, k = 400, 9, 2
    x = torch.zeros(n, 1, size, size)
    x[:, 0, 4, 4] = 1.0
    y = torch.arange(n)
    g = torch.Generator().manual_seed(5)
    out, y_out = random_translate(k, fill=0.0)((x, y), g)
    assert y_out is y  # other tensors pass through
    assert set(out.unique().tolist()) <= {0.0, 1.0}  # values only from the input or fill
    assert torch.equal(out.sum(dim=(1, 2, 3)), torch.ones(n))  # the pixel stays in view
    pos = out[:, 0].flatten(1).argmax(dim=1)
    dy, dx = pos // size - 4, pos % size - 4
    assert dy.abs().max() <= k and dx.abs().max() <= k
    assert len(set(zip(dy.tolist(), dx.tolist(), strict=True))) == (2 * k + 1) ** 2
    for i in range(0, n, 37):
        ref = reference_translate(x[i], int(dy[i]), int(dx[i]), 0.0)
        assert torch.equal(out[i], ref)


def test_random_translate_is_reproducible_from_the_generator_and_fills():
    x = torch.rand(64, 3, 8, 8) + 1.0  # all values > 1, so the fill is recognisable
    t = random_translate(3, fill=-5.0)
    a = t((x,), torch.Generator().manual_seed(1))[0]
    b = t((x,), torch.Generator().manual_seed(1))[0]
    c = t((x,), torch.Generator().manual_seed(2))[0]
    assert torch.equal(a, b) and not torch.equal(a, c)
    filled = a == -5.0
    assert filled.any()
    assert torch.isin(a[~filled], x).all()


def test_zero_shift_is_identity_and_bad_input():
    x = torch.rand(4, 1, 5, 5)
    assert random_translate(0)((x,), torch.Generator())[0] is x
    with pytest.raises(ConfigError, match="max_shift"):
        random_translate(-1)
    with pytest.raises(ConfigError, match=r"\(N, C, H, W\)"):
        random_translate(1)((torch.rand(4, 5, 5),), torch.Generator())
