"""Few-shot episodes (learnlab.data.episodes): N-way K-shot supports and queries, distinct,
of the chosen classes, seeded; a class with fewer examples than the shots asked is refused
with its count."""

from __future__ import annotations

import pytest
import torch

from learnlab.data.episodes import EpisodeLoader, sample_episode
from learnlab.io.errors import ConfigError

LABELS = torch.arange(60) % 6  # 10 examples of each of 6 classes


def test_an_episode_has_k_distinct_shots_and_queries_of_each_chosen_class():
    g = torch.Generator().manual_seed(0)
    support, query, chosen = sample_episode(LABELS, [0, 1, 2, 3, 4, 5], 4, 3, 2, g)
    assert support.shape == (4, 3) and query.shape == (4, 2) and len(set(chosen)) == 4
    for j, c in enumerate(chosen):
        assert bool((LABELS[support[j]] == c).all()) and bool((LABELS[query[j]] == c).all())
    everything = torch.cat([support.flatten(), query.flatten()])
    assert len(everything.unique()) == len(everything)  # no example used twice


def test_episodes_are_seeded_and_vary_from_one_to_the_next():
    x = torch.arange(60, dtype=torch.float32)[:, None]
    loader = lambda seed: EpisodeLoader(  # noqa: E731
        x, LABELS, [0, 1, 2, 3, 4, 5], n_way=3, k_shot=2, n_query=1, episodes=3, seed=seed
    )
    first, again = list(loader(5)), list(loader(5))
    assert all(torch.equal(a.support, b.support) for a, b in zip(first, again, strict=True))
    assert not torch.equal(first[0].support, first[1].support)
    episode = first[0]
    assert episode.num_examples == 3 and episode.query_labels.tolist() == [0, 1, 2]
    assert bool(
        (LABELS[episode.support.long()[:, :, 0]] == torch.tensor(episode.classes)[:, None]).all()
    )


def test_more_shots_than_a_class_has_is_refused_with_its_count():
    labels = torch.cat([LABELS, torch.full((3,), 9)])  # class 9 has 3 examples
    with pytest.raises(ConfigError, match="class 9 has 3 examples"):
        EpisodeLoader(
            torch.zeros(63, 1), labels, [0, 9], n_way=2, k_shot=3, n_query=1, episodes=1, seed=0
        )


def test_more_ways_than_classes_is_refused():
    with pytest.raises(ConfigError, match="n_way=7"):
        EpisodeLoader(
            torch.zeros(60, 1), LABELS, range(6), n_way=7, k_shot=1, n_query=1, episodes=1, seed=0
        )
