"""The siamese and bilinear parts of the moe-cascade recipe, called directly with tiny configs:
their samplers, their summary keys, seed stability, and (slow) the default configs' claims."""

# Each part's summary has its own `seconds` besides its prefixed keys (the recipe gathers
# them in `part_seconds`); seed stability compares the rest.

from __future__ import annotations

import pytest
import torch

from learnlab.config import DataRecipeConfig
from learnlab.io.errors import ConfigError
from learnlab.recipes.moe_cascade.bilinear import (
    BilinearConfig,
    gated_task,
    mlp_width_for,
    run_bilinear,
)
from learnlab.recipes.moe_cascade.oneshot import (
    PairLoader,
    class_versions,
    sample_episodes,
    sample_pairs,
)
from learnlab.recipes.moe_cascade.siamese import SiameseConfig, run_siamese
from learnlab.result import Result


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# -- samplers -------------------------------------------------------------------------------


def test_pairs_are_half_same_class_half_different():
    labels = torch.tensor([0, 0, 1, 1, 1, 2, 2, 3, 3, 3, 3])
    first, second, same = sample_pairs(labels, 200, torch.Generator().manual_seed(0))
    assert torch.equal(same, (labels[first] == labels[second]).float())
    assert torch.equal(same[:100], torch.ones(100)) and torch.equal(same[100:], torch.zeros(100))
    assert set(labels[first].tolist()) == {0, 1, 2, 3}


def test_pair_loader_draws_the_pairs_of_sample_pairs_batch_by_batch():
    x, y = torch.randn(11, 1, 2, 2), torch.tensor([0, 0, 1, 1, 1, 2, 2, 3, 3, 3, 3])
    loader = PairLoader(x, y, steps=3, batch_pairs=8, seed=5)
    generator = torch.Generator().manual_seed(5)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    for first_x, second_x, same in batches:
        first, second, want = sample_pairs(y, 8, generator)
        assert torch.equal(first_x, x[first]) and torch.equal(second_x, x[second])
        assert torch.equal(same, want)


def test_episodes_hold_one_support_per_class_and_a_query_that_is_not_its_support():
    labels = torch.tensor([7, 8, 9] * 5 + [1, 2])
    support, query, answer = sample_episodes(
        labels, [7, 8, 9], 500, torch.Generator().manual_seed(0)
    )
    assert support.shape == (500, 3) and query.shape == answer.shape == (500,)
    assert torch.equal(labels[support], torch.tensor([7, 8, 9]).expand(500, 3))
    assert torch.equal(labels[query], torch.tensor([7, 8, 9])[answer])
    assert not (support.gather(1, answer[:, None])[:, 0] == query).any()
    assert set(answer.tolist()) == {0, 1, 2}
    with pytest.raises(ValueError, match="at least 2"):
        sample_episodes(labels, [1, 7], 5, torch.Generator())


def test_class_versions_make_each_transform_a_class_of_its_own():
    x = torch.arange(4 * 9, dtype=torch.float32).reshape(4, 1, 3, 3)
    y = torch.tensor([0, 1, 0, 1])
    vx, vy = class_versions(x, y, 2)
    assert torch.equal(vy, torch.tensor([0, 1, 10, 11]))
    assert torch.equal(vx[:2], x[:2]) and torch.equal(vx[2:], x[2:].transpose(-1, -2))


def test_siamese_config_checks_the_held_out_digits():
    with pytest.raises(ConfigError, match="held_out"):
        SiameseConfig(held_out=[7, 7])
    with pytest.raises(ConfigError, match="held_out"):
        SiameseConfig(held_out=[7, 10])


def test_gated_task_labels_follow_the_context_teacher():
    config = BilinearConfig(x_features=3, contexts=2, classes=2)
    teachers = torch.tensor([[[1.0, 0, 0], [0, 1, 0]], [[0, 0, 1], [-1, 0, 0]]])
    x, z, y = gated_task(config, 50, torch.Generator().manual_seed(0), teachers)
    context = z.argmax(1)
    want = torch.where(context == 0, (x[:, 1] > x[:, 0]).long(), (-x[:, 0] > x[:, 2]).long())
    assert torch.equal(y, want)
    assert torch.equal(z.sum(1), torch.ones(50))


def test_mlp_width_matches_the_parameter_budget():
    config = BilinearConfig()  # d 16, C 8, K 4: 29 parameters per hidden unit, plus 4
    assert mlp_width_for(29 * 18 + 4, config) == 18


# -- tiny runs --------------------------------------------------------------------------------


def shared(data_root=None) -> DataRecipeConfig:
    """The settings the recipe shares with every part: seed 0, no progress bars."""
    if data_root is None:
        return DataRecipeConfig(progress=False)
    return DataRecipeConfig(data_root=str(data_root), download=False, progress=False)


def tiny_siamese() -> SiameseConfig:
    return SiameseConfig(
        train_images=400,
        steps=4,
        batch_pairs=16,
        test_images=200,
        episodes=50,
        figure_episodes=2,
    )


def _without_seconds(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k != "seconds"}


def test_siamese_part_reports_one_shot_accuracies(data_root):
    result = run_siamese(tiny_siamese(), shared(data_root), console=None)
    assert isinstance(result, Result)
    keys = ("siamese_oneshot_accuracy", "siamese_pixel_nn_oneshot_accuracy")
    keys += (
        "siamese_seen_digits_oneshot_accuracy",
        "siamese_seen_digits_pixel_nn_oneshot_accuracy",
    )
    for key in keys:
        assert 0.0 <= result.summary[key] <= 1.0
    assert all(k.startswith("siamese_") for k in _without_seconds(result.summary))
    assert result.summary["siamese_n_ways"] == 3
    assert [figure.title for figure in result.figures] == ["siamese one-shot episodes"]
    assert result.figures[0].data["images"].shape == (2, 4, 28, 28)  # 3 supports and the query
    assert len(next(iter(result.tables.values()))) == 3
    again = run_siamese(tiny_siamese(), shared(data_root), console=None)
    assert _without_seconds(again.summary) == _without_seconds(result.summary)  # seed-stable


def tiny_bilinear(**options) -> BilinearConfig:
    base = dict(train_examples=200, test_examples=100, epochs=2, mlp_size_multiples=[1, 2])
    return BilinearConfig(**{**base, **options})


def test_bilinear_part_reports_both_models():
    from rich.console import Console

    result = run_bilinear(tiny_bilinear(), shared(), console=Console(quiet=True))
    for key in ("bilinear_test_accuracy", "bilinear_additive_test_accuracy"):
        assert 0.0 <= result.summary[key] <= 1.0
    assert all(k.startswith("bilinear_") for k in _without_seconds(result.summary))
    assert result.summary["bilinear_parameters"] == 16 * 8 * 4 + 4
    rows = next(iter(result.tables.values()))
    assert len(rows) == 4  # bilinear, linear, two MLPs
    assert result.figures
    curves = result.figures[0].data["curves"]
    assert list(curves)[0] == "bilinear x^T W z" and len(curves["bilinear x^T W z"]) == 2
    again = run_bilinear(tiny_bilinear(), shared(), console=None)
    assert _without_seconds(again.summary) == _without_seconds(result.summary)


@pytest.mark.slow
def test_bilinear_default_beats_the_matched_additive_model():
    summary = run_bilinear(BilinearConfig(), shared(), console=None).summary
    assert summary["bilinear_test_accuracy"] >= 0.93
    assert summary["bilinear_test_accuracy"] >= summary["bilinear_additive_test_accuracy"] + 0.1
    assert summary["bilinear_test_accuracy"] > summary["bilinear_additive_best_test_accuracy"]


@pytest.mark.slow
def test_siamese_default_one_shot(data_root):
    """On digits it was trained on, the siamese network does one-shot classification far
    better than pixels; on the unseen digits it stays well above chance (1/3)."""
    summary = run_siamese(SiameseConfig(), shared(data_root), console=None).summary
    seen = summary["siamese_seen_digits_oneshot_accuracy"]
    assert seen >= 0.75
    assert seen >= summary["siamese_seen_digits_pixel_nn_oneshot_accuracy"] + 0.15
    assert summary["siamese_oneshot_accuracy"] >= 1 / 3 + 0.1
