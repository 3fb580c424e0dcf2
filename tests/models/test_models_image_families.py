"""Tests of the image families `preact-resnet` and `mlp-mixer`: shapes over option settings,
parameter counts in closed form, forward passes recomputed with torch.nn.functional from the
weights, clear errors for bad options, and a short training run that must reduce the loss."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.models import build_model
from learnlab.models.mixer import MixerBlock
from learnlab.models.resnet import PreActBlock


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def randomise_norms(model: nn.Module, seed: int) -> None:
    """Give every norm layer non-trivial affine parameters and running statistics."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.BatchNorm2d, nn.LayerNorm)):
                module.weight.copy_(1 + 0.3 * torch.randn(module.weight.shape, generator=generator))
                module.bias.copy_(0.3 * torch.randn(module.bias.shape, generator=generator))
            if isinstance(module, nn.BatchNorm2d):
                mean, var = module.running_mean, module.running_var
                mean.copy_(0.5 * torch.randn(mean.shape, generator=generator))
                var.copy_(0.5 + torch.rand(var.shape, generator=generator))


@pytest.fixture(autouse=True)
def one_thread():
    """Run on one thread: on a busy 2-core machine, splitting these tiny convolutions over two
    threads made them slower, not faster (50 steps of `test_fits_64_digits`: 0.5 s on one
    thread, 6 to 50 s on two, as the threads wait on each other)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# --- preact-resnet ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "options"),
    [
        ((1, 8, 8), {}),
        ((1, 28, 28), {"width": 4, "blocks": [1]}),
        ((3, 32, 32), {"width": 4, "blocks": [1, 1, 1, 1]}),
        ((2, 5, 7), {"width": 3, "blocks": (2, 1)}),  # odd sizes: stride 2 rounds up
        ((1, 1, 1), {"width": 2, "blocks": [1, 1]}),
    ],
)
def test_resnet_shapes(shape, options):
    model = build_model("preact-resnet", shape, 7, **options)
    out = model.train()(torch.randn(4, *shape))
    assert out.shape == (4, 7)
    assert model.eval()(torch.randn(1, *shape)).shape == (1, 7)


def resnet_params(in_channels: int, n_out: int, width: int, blocks: list[int]) -> int:
    """Closed form: stem, units (two bn, two 3x3 convs, 1x1 projection on a shape change),
    final bn and linear head."""
    total = in_channels * width * 9
    channels = width
    for stage, count in enumerate(blocks):
        out = width * 2**stage
        for unit in range(count):
            c_in = channels if unit == 0 else out
            projection = c_in * out if (unit == 0 and stage > 0) or c_in != out else 0
            total += 2 * c_in + c_in * out * 9 + 2 * out + out * out * 9 + projection
        channels = out
    return total + 2 * channels + channels * n_out + n_out


@pytest.mark.parametrize(("width", "blocks"), [(32, [2, 2, 2]), (5, [1]), (8, [3, 1, 2])])
def test_resnet_parameter_count_and_stage_widths(width, blocks):
    model = build_model("preact-resnet", (3, 16, 16), 10, width=width, blocks=blocks)
    assert n_params(model) == resnet_params(3, 10, width, blocks)
    units = [m for m in model.modules() if isinstance(m, PreActBlock)]
    assert len(units) == sum(blocks)
    # Only the first unit of a later stage changes shape, so only it has a projection.
    first_units = {sum(blocks[:s]) for s in range(1, len(blocks))}
    projected = {i for i, unit in enumerate(units) if unit.shortcut is not None}
    assert projected == first_units
    maps = model.stages(model.stem(torch.zeros(2, 3, 16, 16)))
    last = len(blocks) - 1
    assert maps.shape == (2, width * 2**last, -(-16 // 2**last), -(-16 // 2**last))


def preact_unit_by_hand(unit: PreActBlock, x: torch.Tensor) -> torch.Tensor:
    """The unit in eval mode, from its weights: x (or a 1x1 projection) + conv(relu(bn(...)))."""

    def bn_relu(bn: nn.BatchNorm2d, t: torch.Tensor) -> torch.Tensor:
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        shift = bn.bias - bn.running_mean * scale
        return torch.clamp(t * scale[:, None, None] + shift[:, None, None], min=0)

    stride = unit.conv1.stride
    pre = bn_relu(unit.bn1, x)
    inner = F.conv2d(pre, unit.conv1.weight, stride=stride, padding=1)
    out = F.conv2d(bn_relu(unit.bn2, inner), unit.conv2.weight, padding=1)
    skip = x if unit.shortcut is None else F.conv2d(pre, unit.shortcut.weight, stride=stride)
    return out + skip


@pytest.mark.parametrize(("in_channels", "out_channels", "stride"), [(4, 4, 1), (4, 6, 2)])
def test_resnet_unit_matches_the_paper_formula(in_channels, out_channels, stride):
    torch.manual_seed(0)
    unit = PreActBlock(in_channels, out_channels, stride).double()
    randomise_norms(unit, seed=1)
    unit.eval()
    x = torch.randn(2, in_channels, 9, 9, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(unit(x), preact_unit_by_hand(unit, x))
        # With the last conv at zero the residual branch vanishes: the unit is the identity
        # (the paper's point), or the projection of the pre-activated input on a shape change.
        unit.conv2.weight.zero_()
        expected = x if stride == 1 else unit.shortcut(F.relu(unit.bn1(x)))
        torch.testing.assert_close(unit(x), expected)


@pytest.mark.parametrize(
    ("options", "shape", "message"),
    [
        ({"blocks": []}, (1, 8, 8), "non-empty list"),
        ({"blocks": "222"}, (1, 8, 8), "non-empty list"),
        ({"blocks": [2, 0]}, (1, 8, 8), "'blocks[1]' must be an integer >= 1"),
        ({"blocks": [2.0]}, (1, 8, 8), "'blocks[0]' must be an integer"),
        ({"width": 0}, (1, 8, 8), "'width' must be an integer >= 1"),
        ({}, (64,), "(channels, height, width)"),
        ({"depth": 2}, (1, 8, 8), "has no option 'depth'"),
    ],
)
def test_resnet_bad_options(options, shape, message):
    with pytest.raises(ConfigError, match="preact-resnet") as info:
        build_model("preact-resnet", shape, 10, **options)
    assert message in str(info.value)


# --- mlp-mixer --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "options"),
    [
        ((1, 8, 8), {}),
        ((1, 8, 8), {"patch_size": 8}),  # a single token
        ((1, 28, 28), {"patch_size": 7, "dim": 8, "depth": 1}),
        ((3, 12, 8), {"patch_size": 2, "token_hidden": 5, "channel_hidden": 3}),
    ],
)
def test_mixer_shapes(shape, options):
    model = build_model("mlp-mixer", shape, 4, **options)
    assert model(torch.randn(3, *shape)).shape == (3, 4)


def mixer_params(c: int, n_out: int, p: int, tokens: int, dim: int, depth: int, th: int, ch: int):
    """Closed form: patch conv, per block two LayerNorms and two two-layer MLPs, final
    LayerNorm and linear head."""
    token_mlp = tokens * th + th + th * tokens + tokens
    channel_mlp = dim * ch + ch + ch * dim + dim
    block = 2 * 2 * dim + token_mlp + channel_mlp
    return c * p * p * dim + dim + depth * block + 2 * dim + dim * n_out + n_out


@pytest.mark.parametrize(
    ("shape", "patch", "dim", "depth", "th", "ch"),
    [((1, 28, 28), 4, 64, 4, 64, 256), ((3, 12, 8), 2, 6, 2, 5, 7), ((1, 8, 8), 8, 3, 1, 1, 1)],
)
def test_mixer_parameter_count(shape, patch, dim, depth, th, ch):
    model = build_model(
        "mlp-mixer",
        shape,
        10,
        patch_size=patch,
        dim=dim,
        depth=depth,
        token_hidden=th,
        channel_hidden=ch,
    )
    tokens = (shape[1] // patch) * (shape[2] // patch)
    assert n_params(model) == mixer_params(shape[0], 10, patch, tokens, dim, depth, th, ch)


def test_mixer_block_matches_the_paper_formula():
    torch.manual_seed(0)
    tokens, dim = 6, 5
    block = MixerBlock(tokens, dim, token_hidden=7, channel_hidden=9).double()
    randomise_norms(block, seed=1)
    x = torch.randn(2, tokens, dim, dtype=torch.float64)

    def layer_norm(t: torch.Tensor, norm: nn.LayerNorm) -> torch.Tensor:
        mean = t.mean(-1, keepdim=True)
        var = t.var(-1, unbiased=False, keepdim=True)
        return (t - mean) / torch.sqrt(var + norm.eps) * norm.weight + norm.bias

    def mlp(t: torch.Tensor, ff: nn.Sequential) -> torch.Tensor:
        return F.linear(F.gelu(F.linear(t, ff[0].weight, ff[0].bias)), ff[2].weight, ff[2].bias)

    with torch.no_grad():
        # U[n, :, c] = X[n, :, c] + MLP_tokens(LN(X)[n, :, c]), one column (channel) at a time.
        normed = layer_norm(x, block.token_norm)
        u = x.clone()
        for c in range(dim):
            u[:, :, c] += mlp(normed[:, :, c], block.token_mlp)
        y = u + mlp(layer_norm(u, block.channel_norm), block.channel_mlp)
        torch.testing.assert_close(block(x), y)


def test_mixer_patches_are_the_tokens():
    """Changing one patch changes only its own token before token mixing."""
    model = build_model("mlp-mixer", (1, 8, 8), 3, patch_size=4, dim=6)
    x = torch.randn(1, 1, 8, 8)
    y = x.clone()
    y[0, 0, 4:, :4] += 1  # the bottom-left patch: token 2 in row-major order
    with torch.no_grad():
        a = model.patches(x).flatten(2).transpose(1, 2)
        b = model.patches(y).flatten(2).transpose(1, 2)
    changed = (a - b).abs().sum(dim=2)[0] > 0
    assert changed.tolist() == [False, False, True, False]


@pytest.mark.parametrize(
    ("options", "shape", "message"),
    [
        ({"patch_size": 5}, (1, 28, 28), "Allowed for this data set: 1, 2, 4, 7, 14, 28."),
        ({"patch_size": 16}, (1, 8, 8), "must divide the image height and width (8x8)"),
        ({"patch_size": 3}, (1, 12, 8), "Allowed for this data set: 1, 2, 4."),
        ({"patch_size": 0}, (1, 8, 8), "'patch_size' must be an integer >= 1"),
        ({"dim": 0}, (1, 8, 8), "'dim' must be an integer >= 1"),
        ({"depth": 1.5}, (1, 8, 8), "'depth' must be an integer >= 1"),
        ({"token_hidden": -1}, (1, 8, 8), "'token_hidden' must be an integer >= 1"),
        ({"channel_hidden": True}, (1, 8, 8), "'channel_hidden' must be an integer >= 1"),
        ({}, (1, 64), "(channels, height, width)"),
        ({"patch": 4}, (1, 8, 8), "Did you mean 'patch_size'?"),
    ],
)
def test_mixer_bad_options(options, shape, message):
    with pytest.raises(ConfigError, match="mlp-mixer") as info:
        build_model("mlp-mixer", shape, 10, **options)
    assert message in str(info.value)


# --- both learn -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "options", "lr"),
    [
        ("preact-resnet", {"width": 8, "blocks": [1, 1]}, 1e-2),
        ("mlp-mixer", {"patch_size": 4, "dim": 32, "depth": 2}, 3e-3),
    ],
)
def test_fits_64_digits(name, options, lr):
    images, labels = load_digits(return_X_y=True)
    x = torch.tensor(images[:64] / 16.0, dtype=torch.float32).reshape(64, 1, 8, 8)
    y = torch.tensor(labels[:64])
    torch.manual_seed(0)
    model = build_model(name, (1, 8, 8), 10, **options).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(50):
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    # From chance (ln 10 = 2.30 nats) to under a tenth of it (both end near 0.02 nats).
    assert losses[0] > 1.8
    assert losses[-1] < 0.1 * losses[0]
