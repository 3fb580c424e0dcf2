"""procedures.curriculum: pacing functions, the paced sampler and its controls, teacher scores."""

from __future__ import annotations

import math

import pytest
import torch

from learnlab.io.errors import ConfigError
from learnlab.objectives.supervised import CrossEntropy
from learnlab.procedures.base import Stage
from learnlab.procedures.curriculum import (
    CurriculumLoader,
    Pacing,
    teacher_difficulty,
    train_with_curriculum,
)

N = 200


def _loader(order: str = "curriculum", pacing: Pacing | None = None, seed: int = 0):
    """A loader over the indices 0..N-1 themselves, with a shuffled difficulty per index."""
    difficulty = torch.randperm(N, generator=torch.Generator().manual_seed(7)).double()
    pacing = pacing or Pacing("linear", start=0.1, ramp_steps=20)
    indices = torch.arange(N)
    loader = CurriculumLoader(
        indices,
        difficulty=difficulty,
        pacing=pacing,
        batch_size=8,
        steps_per_epoch=6,
        order=order,
        seed=seed,
    )
    return loader, difficulty


def _batches(loader: CurriculumLoader, epochs: int) -> list[torch.Tensor]:
    return [batch[0] for _ in range(epochs) for batch in loader]


def test_pacing_functions_follow_their_definitions() -> None:
    linear = Pacing("linear", start=0.2, ramp_steps=100)
    assert [linear.fraction(t) for t in (0, 50, 100, 500)] == pytest.approx([0.2, 0.6, 1.0, 1.0])
    root = Pacing("root", start=0.2, ramp_steps=100)
    assert root.fraction(50) == pytest.approx(math.sqrt(0.04 + 0.96 * 0.5))
    step = Pacing("step", start=0.3, ramp_steps=10)
    assert [step.fraction(t) for t in (0, 9, 10)] == [0.3, 0.3, 1.0]
    # start 0.125 doubling: 3 stages of 10 steps (0.125, 0.25, 0.5), then 1 from step 30
    exponential = Pacing("fixed-exponential", start=0.125, ramp_steps=30, increase=2.0)
    assert [exponential.fraction(t) for t in (0, 9, 10, 20, 29, 30)] == [
        0.125,
        0.125,
        0.25,
        0.5,
        0.5,
        1.0,
    ]
    assert all(Pacing("full", start=0.1).fraction(t) == 1.0 for t in (0, 5, 5000))


def test_each_batch_comes_from_the_easiest_fraction_allowed_at_its_step() -> None:
    loader, difficulty = _loader("curriculum")
    rank = torch.argsort(torch.argsort(difficulty))  # 0 = easiest
    batches = _batches(loader, 5)
    for step, batch in enumerate(batches):
        allowed = loader.available(step)
        assert allowed == min(N, max(8, math.ceil(round(loader.pacing.fraction(step) * N, 6))))
        assert len(batch) == 8 and len(set(batch.tolist())) == 8  # no repeats in a batch
        assert int(rank[batch].max()) < allowed, f"step {step} drew beyond the easiest {allowed}"
    assert loader.available(0) == 20 and loader.available(29) == N
    # once the whole set is open, hard examples do appear
    assert int(rank[torch.cat(batches[20:])].max()) >= N // 2


def test_anti_curriculum_draws_the_hardest_first_and_random_a_seeded_order() -> None:
    anti, difficulty = _loader("anti")
    rank = torch.argsort(torch.argsort(difficulty))
    first = _batches(anti, 1)
    assert all(int(rank[b].min()) >= N - anti.available(t) for t, b in enumerate(first))
    random_a, _ = _loader("random", seed=3)
    random_b, _ = _loader("random", seed=3)
    assert torch.equal(random_a.order, random_b.order)
    assert not torch.equal(random_a.order, torch.argsort(difficulty))
    first_random = torch.cat(_batches(random_a, 1))
    assert set(first_random.tolist()) <= set(random_a.order[: random_a.available(5)].tolist())
    # the hardest-first and easiest-first sets of the first step are disjoint
    assert not set(_batches(_loader("curriculum")[0], 1)[0].tolist()) & set(first[0].tolist())


def test_full_pacing_samples_from_every_example() -> None:
    loader, _ = _loader("curriculum", Pacing("full"))
    assert loader.available(0) == N
    seen = torch.cat(_batches(loader, 10))
    assert len(set(seen.tolist())) > N // 2


def test_same_seed_same_batches_and_resume_mid_epoch_continues_exactly() -> None:
    uninterrupted = _batches(_loader(seed=1)[0], 3)
    assert all(
        torch.equal(a, b)
        for a, b in zip(uninterrupted, _batches(_loader(seed=1)[0], 3), strict=True)
    )
    assert not all(
        torch.equal(a, b)
        for a, b in zip(uninterrupted, _batches(_loader(seed=2)[0], 3), strict=True)
    )
    first, _ = _loader(seed=1)
    drawn = _batches(first, 1)
    iterator = iter(first)
    drawn += [next(iterator)[0], next(iterator)[0]]  # two batches into the second epoch
    state = first.state_dict()
    resumed, _ = _loader(seed=1)
    resumed.load_state_dict(state)
    rest = _batches(resumed, 2)  # the rest of epoch 2, then epoch 3
    assert len(drawn) + len(rest) == len(uninterrupted)
    assert all(torch.equal(a, b) for a, b in zip(drawn + rest, uninterrupted, strict=True))


def test_bad_settings_raise_config_errors_naming_them() -> None:
    for start in (0.0, -0.1, 1.5, float("nan")):
        with pytest.raises(ConfigError, match="start"):
            Pacing("linear", start=start)
    with pytest.raises(ConfigError, match="pacing 'cubic'"):
        Pacing("cubic")
    with pytest.raises(ConfigError, match="ramp_steps"):
        Pacing("linear", ramp_steps=0)
    with pytest.raises(ConfigError, match="difficulty must hold one score per training example"):
        CurriculumLoader(
            torch.arange(10),
            difficulty=torch.zeros(9),
            pacing=Pacing(),
            batch_size=2,
            steps_per_epoch=1,
        )
    with pytest.raises(ConfigError, match="order 'hardest'"):
        _loader("hardest")
    other, _ = _loader()
    state = other.state_dict() | {"batch_size": 16}
    with pytest.raises(ConfigError, match="batch_size"):
        _loader()[0].load_state_dict(state)


def test_teacher_difficulty_is_the_per_example_loss_and_keeps_the_mode() -> None:
    torch.manual_seed(0)
    teacher = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Dropout(0.5))
    x, y = torch.randn(25, 4), torch.randint(0, 3, (25,))
    scores = teacher_difficulty(teacher, x, y, batch_size=7)
    expected = torch.nn.functional.cross_entropy(teacher[0](x), y, reduction="none")
    assert torch.allclose(scores, expected.double(), atol=1e-6)
    assert teacher.training


def test_a_curriculum_trains_through_the_trainer() -> None:
    torch.manual_seed(0)
    x = torch.randn(256, 5)
    y = (x[:, 0] > 0).long()
    loader = CurriculumLoader(
        x,
        y,
        difficulty=-x[:, 0].abs(),
        pacing=Pacing("linear", start=0.2, ramp_steps=40),
        batch_size=16,
        steps_per_epoch=10,
        seed=0,
    )
    model = torch.nn.Linear(5, 2)
    trained = train_with_curriculum(model, CrossEntropy(), loader, Stage(epochs=5, lr=0.05))
    history = trained.phases[0].history
    assert len(history) == 5 and loader.step == 50
    assert history[-1]["train_accuracy"] > 0.9
