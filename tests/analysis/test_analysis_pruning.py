"""Pruning masks (learnlab.analysis.pruning) against oracles: the exact count per layer, the
smallest magnitudes (a NumPy sort of the float64 weights), random masks of the same sparsity;
masked weights stay zero through Trainer training and through a resume from a real
checkpoint; a fraction outside (0, 1) is a ConfigError naming it."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from learnlab.analysis.pruning import (
    check_fraction,
    layer_rates,
    magnitude_masks,
    random_masks,
    remaining_after,
    remaining_fraction,
)
from learnlab.data.loader import TensorLoader
from learnlab.io.errors import ConfigError
from learnlab.objectives.supervised import CrossEntropy
from learnlab.scale.masks import MaskCallback
from learnlab.train.callbacks.checkpointing import Checkpointer
from learnlab.train.checkpoint import load_state
from learnlab.train.trainer import Trainer


def mlp(seed: int = 0, dtype=torch.float64) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Flatten(), nn.Linear(13, 11), nn.ReLU(), nn.Linear(11, 7), nn.ReLU(), nn.Linear(7, 3)
    ).to(dtype)


def test_iterative_rounds_keep_the_exact_count_per_layer_and_the_largest_weights():
    model = mlp()
    rates = layer_rates(model, 0.2, 0.1)
    assert rates == {"1.weight": 0.2, "3.weight": 0.2, "5.weight": 0.1}
    masks = None
    kept = {name: p.numel() for name, p in model.named_parameters() if name.endswith("weight")}
    for round_ in range(1, 6):
        before = masks
        masks = magnitude_masks(model, rates, masks)
        for name, weight in dict(model.named_parameters()).items():
            if name not in masks:
                continue
            kept[name] -= round(rates[name] * kept[name])
            mask = masks[name].numpy().astype(bool)
            assert mask.sum() == kept[name], (round_, name)
            # the oracle: among the weights kept before, the ones pruned now are the smallest
            alive = np.ones_like(mask) if before is None else before[name].numpy().astype(bool)
            assert not (mask & ~alive).any()  # a pruned weight never comes back
            magnitude = weight.detach().abs().numpy()
            pruned_now = alive & ~mask
            if pruned_now.any():
                assert magnitude[pruned_now].max() <= magnitude[mask].min()
    assert remaining_fraction(model, masks) == pytest.approx(remaining_after(model, rates, 5))
    assert remaining_fraction(model, None) == 1.0


def test_lenet_300_100_reaches_the_papers_levels_of_pm():
    from learnlab.analysis.lottery import lenet_300_100

    model = lenet_300_100()
    rates = layer_rates(model)
    levels = [round(100 * remaining_after(model, rates, r), 1) for r in (3, 7, 9, 12, 15)]
    assert levels == [51.3, 21.1, 13.5, 7.0, 3.6]  # the paper's Pm for LeNet


def test_ties_go_to_the_lower_index_and_the_model_is_unchanged():
    model = nn.Linear(4, 2, bias=False)
    with torch.no_grad():
        model.weight.fill_(1.0)
    masks = magnitude_masks(model, 0.5)
    assert masks["weight"].flatten().tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    assert bool((model.weight == 1).all())


def test_random_masks_keep_the_same_count_per_layer_and_are_seeded():
    model = mlp()
    ticket = magnitude_masks(model, layer_rates(model, 0.5, 0.3))
    draw = random_masks(model, ticket, torch.Generator().manual_seed(1))
    again = random_masks(model, ticket, torch.Generator().manual_seed(1))
    for name, mask in ticket.items():
        assert draw[name].sum() == mask.sum() and draw[name].shape == mask.shape
        assert torch.equal(draw[name], again[name])
    assert any(not torch.equal(draw[n], ticket[n]) for n in ticket)


@pytest.mark.parametrize("bad", [0, 1, 0.0, 1.0, -0.2, 1.5, math.nan, math.inf, True, "0.2"])
def test_a_fraction_outside_zero_one_is_a_config_error_naming_it(bad):
    with pytest.raises(ConfigError, match="prune_rate"):
        check_fraction("prune_rate", bad)
    model = mlp()
    with pytest.raises(ConfigError, match="output_rate"):
        layer_rates(model, 0.2, bad)
    with pytest.raises(ConfigError, match=r"rates\['1.weight'\]"):
        magnitude_masks(model, {"1.weight": bad})


def test_rates_for_a_layer_the_model_lacks_are_refused():
    with pytest.raises(ConfigError, match="9.weight"):
        magnitude_masks(mlp(), {"9.weight": 0.5})


def _trainer(model, mask, path):
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    callbacks = [MaskCallback(mask), Checkpointer(path, every_seconds=None)]
    return Trainer(model, CrossEntropy(), optimizer, callbacks=callbacks)


def test_masked_weights_stay_zero_through_training_and_a_resume_from_a_checkpoint(tmp_path):
    torch.manual_seed(0)
    x, y = torch.randn(96, 13), torch.randint(0, 3, (96,))
    mask = magnitude_masks(mlp(0, torch.float32), layer_rates(mlp(), 0.6, 0.4))

    def loader():
        return TensorLoader(x, y, batch_size=16, seed=0)

    whole = mlp(0, torch.float32)
    _trainer(whole, mask, tmp_path / "whole.ckpt").fit(loader(), epochs=4)
    # stopped after 2 epochs, resumed into a model with other initial weights
    first = mlp(0, torch.float32)
    _trainer(first, mask, tmp_path / "run.ckpt").fit(loader(), epochs=2)
    state = load_state(tmp_path / "run.ckpt")["trainer"]
    resumed = mlp(7, torch.float32)
    trainer = _trainer(resumed, mask, tmp_path / "run.ckpt")
    train_loader = loader()
    trainer.load_state_dict(state, train_loader)
    trainer.fit(train_loader, epochs=4)
    params = dict(resumed.named_parameters())
    for name, m in mask.items():
        assert int((params[name][m == 0] != 0).sum()) == 0, name
        assert int((params[name][m == 1] == 0).sum()) == 0, name  # the others did train
        assert torch.equal(params[name], dict(whole.named_parameters())[name])
    saved = load_state(tmp_path / "run.ckpt")["trainer"]["model"]
    for name, m in mask.items():
        assert bool((saved[name][m == 0] == 0).all())
