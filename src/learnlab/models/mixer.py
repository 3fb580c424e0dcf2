"""MLP-Mixer: an image network made of multilayer perceptrons only.

Tolstikhin, Houlsby, Kolesnikov, Beyer, Zhai, Unterthiner, Yung, Steiner, Keysers, Uszkoreit,
Lucic & Dosovitskiy (2021), "MLP-Mixer: An all-MLP Architecture for Vision" (NeurIPS).

The image is cut into non-overlapping P x P patches, and each patch is projected linearly to a
`dim`-vector (a convolution with kernel = stride = P), giving a table X of T = (H/P)(W/P)
tokens by `dim` channels. Each of `depth` mixer blocks then applies two MLPs with residuals:

    U = X + W2 gelu(W1 LayerNorm(X)^T)^T      token mixing: across patches, per channel
    Y = U + W4 gelu(W3 LayerNorm(U)^T)^T      channel mixing: across channels, per patch

(written here with the MLPs acting on the last axis: token mixing transposes the table so
that the same MLP of width `token_hidden` runs over the T patches of every channel; channel
mixing is an MLP of width `channel_hidden` over the `dim` channels of every patch). A final
LayerNorm, the mean over tokens and a linear layer give the outputs. Token mixing is the only
place where patches exchange information; because its weights depend on the patch position,
the network has no built-in translation invariance, unlike a convolutional network.
"""

from __future__ import annotations

import torch
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.models.convnets import check_image_shape
from learnlab.models.registry import check_int, register_model


class FeedForward(nn.Sequential):
    """Linear -> GELU -> Linear on the last axis, from `size` to `hidden` and back."""

    def __init__(self, size: int, hidden: int) -> None:
        super().__init__(nn.Linear(size, hidden), nn.GELU(), nn.Linear(hidden, size))


class MixerBlock(nn.Module):
    """Token mixing then channel mixing, each pre-LayerNorm with a residual connection."""

    def __init__(self, tokens: int, dim: int, token_hidden: int, channel_hidden: int) -> None:
        super().__init__()
        self.token_norm = nn.LayerNorm(dim)
        self.token_mlp = FeedForward(tokens, token_hidden)
        self.channel_norm = nn.LayerNorm(dim)
        self.channel_mlp = FeedForward(dim, channel_hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (N, tokens, dim). Transposing puts the tokens on the last axis for the token MLP.
        x = x + self.token_mlp(self.token_norm(x).transpose(1, 2)).transpose(1, 2)
        return x + self.channel_mlp(self.channel_norm(x))


class MLPMixer(nn.Module):
    """Patch embedding, `depth` mixer blocks, LayerNorm, mean over tokens, linear head.

    Arguments are assumed valid; `build_model("mlp-mixer", ...)` checks them.
    """

    def __init__(
        self,
        input_shape: tuple[int, int, int],
        num_outputs: int,
        patch_size: int,
        dim: int,
        depth: int,
        token_hidden: int,
        channel_hidden: int,
    ) -> None:
        super().__init__()
        channels, height, width = input_shape
        tokens = (height // patch_size) * (width // patch_size)
        self.patches = nn.Conv2d(channels, dim, kernel_size=patch_size, stride=patch_size)
        self.blocks = nn.Sequential(
            *(MixerBlock(tokens, dim, token_hidden, channel_hidden) for _ in range(depth))
        )
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # (N, dim, H/P, W/P) -> (N, tokens, dim), tokens in row-major patch order.
        tokens = self.patches(x).flatten(2).transpose(1, 2)
        return self.head(self.norm(self.blocks(tokens)).mean(dim=1))


def check_patch_size(patch_size: int, input_shape: tuple[int, ...]) -> None:
    """Raise ConfigError unless `patch_size` divides the image height and width."""
    _, height, width = input_shape
    if height % patch_size or width % patch_size:
        divisors = [p for p in range(1, min(height, width) + 1) if height % p == 0 == width % p]
        raise ConfigError(
            f"option 'patch_size' must divide the image height and width ({height}x{width}) "
            f"so that the patches tile the image; got {patch_size}. Allowed for this data set: "
            f"{', '.join(map(str, divisors))}."
        )


@register_model(
    "mlp-mixer",
    "MLP-Mixer (Tolstikhin et al. 2021): patches as tokens, token- and channel-mixing MLPs.",
)
def mlp_mixer(
    input_shape: tuple[int, ...],
    num_outputs: int,
    patch_size: int = 4,
    dim: int = 64,
    depth: int = 4,
    token_hidden: int = 64,
    channel_hidden: int = 256,
) -> MLPMixer:
    check_image_shape(input_shape, min_size=1)
    patch_size = check_int("patch_size", patch_size, minimum=1)
    check_patch_size(patch_size, input_shape)
    return MLPMixer(
        input_shape,  # type: ignore[arg-type]  # checked to be (C, H, W) above
        num_outputs,
        patch_size=patch_size,
        dim=check_int("dim", dim, minimum=1),
        depth=check_int("depth", depth, minimum=1),
        token_hidden=check_int("token_hidden", token_hidden, minimum=1),
        channel_hidden=check_int("channel_hidden", channel_hidden, minimum=1),
    )
