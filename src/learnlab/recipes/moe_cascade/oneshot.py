"""One-shot classification episodes and the siamese network's training pairs: how they are
drawn, the image versions that count as classes of their own, and the evaluation of a model
on seeded episodes against nearest neighbour in pixel space."""

from __future__ import annotations

from collections.abc import Iterator

import torch


def sample_pairs(
    labels: torch.Tensor, n: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """`n` index pairs into `labels`: the first half of one class, the rest of two classes.

    Returns (first, second, same) with same = 1.0 where the labels agree."""
    classes, counts = torch.unique(labels, return_counts=True)
    order = torch.argsort(labels, stable=True)  # indices grouped by class
    starts = torch.cumsum(counts, 0) - counts

    def member_of(class_pos: torch.Tensor) -> torch.Tensor:
        offset = (torch.rand(len(class_pos), generator=generator) * counts[class_pos]).long()
        return order[starts[class_pos] + offset]

    first_pos = torch.randint(len(classes), (n,), generator=generator)
    n_same = n // 2
    # a different class: shift by 1..C-1 positions
    shift = torch.randint(1, len(classes), (n - n_same,), generator=generator)
    second_pos = torch.cat([first_pos[:n_same], (first_pos[n_same:] + shift) % len(classes)])
    first, second = member_of(first_pos), member_of(second_pos)
    same = (labels[first] == labels[second]).float()
    return first, second, same


class PairLoader:
    """`steps` batches of `batch_pairs` pairs from `sample_pairs`, as the Trainer's one epoch:
    (first images, second images, same) with same = 1.0 where the classes agree. Pairs are
    drawn from `generator` as each batch is asked for."""

    def __init__(
        self, x: torch.Tensor, y: torch.Tensor, steps: int, batch_pairs: int, seed: int
    ) -> None:
        self.x, self.y, self.steps, self.batch_pairs = x, y, steps, batch_pairs
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return self.steps

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        for _ in range(self.steps):
            first, second, same = sample_pairs(self.y, self.batch_pairs, self.generator)
            yield self.x[first], self.x[second], same


def sample_episodes(
    labels: torch.Tensor, classes: list[int], episodes: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """N-way one-shot episodes over `classes` (N = len(classes)) drawn from a labelled pool.

    Returns support (E, N) pool indices (column j: an image of classes[j]), query (E,) pool
    indices and answer (E,) the column of the query's class; a query is never its support."""
    members = [torch.nonzero(labels == c).flatten() for c in classes]
    if min(len(m) for m in members) < 2:
        raise ValueError("each class of an episode needs at least 2 images in the pool")
    n_ways = len(classes)
    support = torch.empty(episodes, n_ways, dtype=torch.long)
    offsets = []
    for j, m in enumerate(members):
        offset = (torch.rand(episodes, generator=generator) * len(m)).long()
        support[:, j] = m[offset]
        offsets.append(offset)
    answer = torch.randint(n_ways, (episodes,), generator=generator)
    query = torch.empty(episodes, dtype=torch.long)
    for j, m in enumerate(members):
        rows = answer == j
        # another image of the class: skip 1..len-1 positions past the support's
        skip = 1 + (torch.rand(int(rows.sum()), generator=generator) * (len(m) - 1)).long()
        query[rows] = m[(offsets[j][rows] + skip) % len(m)]
    return support, query, answer


# The versions of an image (N, C, H, W) that count as classes of their own; a half turn is left
# out on purpose (it makes a 6 a 9).
VERSIONS = (
    ("upright", lambda x: x),
    ("transposed", lambda x: x.transpose(-1, -2)),
    ("turned left", lambda x: x.rot90(1, (-2, -1))),
    ("turned right", lambda x: x.rot90(-1, (-2, -1))),
)


def class_versions(x: torch.Tensor, y: torch.Tensor, versions: int, num_classes: int = 10):
    """Split (x, y) into `versions` equal parts; part k gets VERSIONS[k] and the labels
    y + k * num_classes, so each version of each class is a class of its own."""
    xs, ys = [], []
    for k, (part_x, part_y) in enumerate(zip(x.chunk(versions), y.chunk(versions), strict=True)):
        xs.append(VERSIONS[k][1](part_x))
        ys.append(part_y + k * num_classes)
    return torch.cat(xs).contiguous(), torch.cat(ys)


def oneshot_episodes(
    model, pool_x: torch.Tensor, pool_y: torch.Tensor, classes: list[int], episodes: int, seed: int
) -> dict:
    """Seeded N-way one-shot episodes over `classes` from the pool, answered by the siamese
    network (highest similarity) and by nearest neighbour in pixel space."""
    generator = torch.Generator().manual_seed(seed)
    support, query, answer = sample_episodes(pool_y, classes, episodes, generator)
    model.eval()
    with torch.no_grad():
        codes = torch.cat([model.embed(chunk) for chunk in pool_x.split(1024)])
        guess = model.similarity(codes[query][:, None, :], codes[support]).argmax(1)
    pixel_distance = (pool_x[query][:, None] - pool_x[support]).flatten(2).norm(dim=2)
    return {
        "support": support,
        "query": query,
        "answer": answer,
        "guess": guess,
        "accuracy": float((guess == answer).float().mean()),
        "pixel_accuracy": float((pixel_distance.argmin(1) == answer).float().mean()),
    }
