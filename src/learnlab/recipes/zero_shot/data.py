"""scikit-learn's 8x8 digits in [0, 1] (1,437 training and 360 test images), and the
draws of seen/unseen class splits whose seen classes can teach every attribute."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from learnlab.io.errors import ConfigError


@dataclass(frozen=True)
class Digits:
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor


def load_digits(data_root: str | None, download: bool, limit_train: int | None) -> Digits:
    from learnlab.data import load_dataset

    ds = load_dataset("digits", root=data_root, download=download)
    keep = slice(0, limit_train or len(ds.train.x))
    return Digits(
        ds.train.x[keep].float().div(16),
        ds.train.y[keep].long(),
        ds.test.x.float().div(16),
        ds.test.y.long(),
    )


def draw_unseen_splits(
    descriptions: torch.Tensor, unseen: int, splits: int, seed: int
) -> list[tuple[int, ...]]:
    """`splits` distinct sets of `unseen` classes (sorted), drawn at random from `seed`, each
    leaving every attribute both on and off among the remaining (seen) classes."""
    import itertools

    classes = len(descriptions)
    valid = []
    for chosen in itertools.combinations(range(classes), unseen):
        seen = [c for c in range(classes) if c not in chosen]
        rows = descriptions[seen]
        if bool(((rows.min(0).values == 0) & (rows.max(0).values == 1)).all()):
            valid.append(chosen)
    if len(valid) < splits:
        raise ConfigError(
            f"splits={splits}: only {len(valid)} sets of {unseen} unseen classes leave every "
            f"attribute learnable from the seen ones; use splits <= {len(valid)}."
        )
    order = torch.randperm(len(valid), generator=torch.Generator().manual_seed(seed))
    return [valid[i] for i in order[:splits].tolist()]
