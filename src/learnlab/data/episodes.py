"""Few-shot episodes: N-way K-shot support sets and query sets drawn from labelled examples.

An episode (Vinyals et al. 2016; Snell et al. 2017) picks `n_way` of the given classes, then
`k_shot` support examples and `n_query` query examples of each, all distinct; the query labels
are the positions 0..n_way-1 of their class in the episode, so a model answers by comparing
each query with the supports, never by remembering a class index. Draws are seeded: the same
generator state gives the same episode.

Example:
    >>> import torch
    >>> labels = torch.arange(40) % 4
    >>> g = torch.Generator().manual_seed(0)
    >>> support, query, classes = sample_episode(labels, [0, 1, 2, 3], 3, 2, 1, g)
    >>> support.shape, query.shape, len(classes)
    (torch.Size([3, 2]), torch.Size([3, 1]), 3)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch

from learnlab.io.errors import ConfigError


@dataclass(frozen=True)
class Episode:
    """One episode's tensors: `support` (n_way, k_shot, *shape), `query` (n_way * n_query,
    *shape) and `query_labels` (n_way * n_query,) in 0..n_way-1 (class j of the episode is
    `classes[j]`, whose supports are `support[j]`)."""

    support: torch.Tensor
    query: torch.Tensor
    query_labels: torch.Tensor
    classes: tuple[int, ...]

    @property
    def num_examples(self) -> int:  # the queries: what the loss is a mean over
        return len(self.query_labels)


def check_episode_shape(
    labels: torch.Tensor, classes: Sequence[int], n_way: int, k_shot: int, n_query: int
) -> None:
    """ConfigError unless every class of `classes` has `k_shot + n_query` examples in `labels`
    and there are at least `n_way` classes (each message says what there is and what to do)."""
    if n_way < 2 or k_shot < 1 or n_query < 0:
        raise ConfigError(
            f"an episode needs n_way >= 2 classes, k_shot >= 1 shots and n_query >= 0 queries "
            f"per class; got n_way={n_way}, k_shot={k_shot}, n_query={n_query}."
        )
    if n_way > len(classes):
        raise ConfigError(
            f"n_way={n_way} is more classes than the {len(classes)} given ({list(classes)}); "
            f"choose n_way <= {len(classes)}."
        )
    counts = {int(c): int((labels == c).sum()) for c in classes}
    needed = k_shot + n_query
    for c, count in counts.items():
        if count < needed:
            raise ConfigError(
                f"class {c} has {count} examples, fewer than the k_shot + n_query = {k_shot} + "
                f"{n_query} = {needed} an episode draws from it; lower k_shot or n_query to "
                f"fit in {count}, or give more examples."
            )


def sample_episode(
    labels: torch.Tensor,
    classes: Sequence[int],
    n_way: int,
    k_shot: int,
    n_query: int,
    generator: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor, tuple[int, ...]]:
    """Indices into `labels` of one episode: support (n_way, k_shot), query (n_way, n_query)
    (distinct examples, row j of class `chosen[j]`) and the chosen classes.

    Call `check_episode_shape` first (the loader does): here a short class fails plainly."""
    picked = torch.randperm(len(classes), generator=generator)[:n_way]
    chosen = tuple(int(classes[i]) for i in picked)
    support, query = [], []
    for c in chosen:
        members = torch.nonzero(labels == c).flatten()
        drawn = members[torch.randperm(len(members), generator=generator)[: k_shot + n_query]]
        support.append(drawn[:k_shot])
        query.append(drawn[k_shot:])
    return torch.stack(support), torch.stack(query), chosen


def make_episode(
    x: torch.Tensor, support: torch.Tensor, query: torch.Tensor, classes: tuple[int, ...]
) -> Episode:
    """The tensors of an episode whose indices `sample_episode` drew from `x`."""
    n_way, n_query = query.shape
    labels = torch.arange(n_way).repeat_interleave(n_query)
    return Episode(x[support], x[query.flatten()], labels, classes)


class EpisodeLoader:
    """`episodes` seeded episodes from (x, y) over `classes`: one Trainer epoch. The shape is
    checked when the loader is made (a ConfigError that says how many examples a class has)."""

    def __init__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        classes: Sequence[int],
        *,
        n_way: int,
        k_shot: int,
        n_query: int,
        episodes: int,
        seed: int,
    ) -> None:
        check_episode_shape(y, classes, n_way, k_shot, n_query)
        self.x, self.y, self.classes = x, y, list(classes)
        self.n_way, self.k_shot, self.n_query, self.episodes = n_way, k_shot, n_query, episodes
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return self.episodes

    def __iter__(self) -> Iterator[Episode]:
        for _ in range(self.episodes):
            support, query, chosen = sample_episode(
                self.y, self.classes, self.n_way, self.k_shot, self.n_query, self.generator
            )
            yield make_episode(self.x, support, query, chosen)
