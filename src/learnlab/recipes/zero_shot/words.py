"""Part "words", one split and one seed: a conv4 image encoder trained on the seen
Fashion-MNIST classes to match their embedded descriptions (cosine softmax at a temperature),
then tested on the unseen classes' test images by the most similar description among the
unseen classes (zero-shot) and among all ten (generalized zero-shot)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from learnlab.io.errors import ConfigError

CLASSES = 10


@dataclass(frozen=True)
class FashionImages:
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor


@dataclass(frozen=True)
class WordsOutcome:
    unseen: tuple[int, ...]
    seed: int
    texts: str  # "descriptions" or "names": which sentences the classes were embedded from
    unseen_accuracy: float  # unseen test images among the unseen classes
    seen_accuracy: float  # seen test images among the seen classes
    gzsl_unseen: float  # unseen test images among all ten classes
    gzsl_seen: float  # seen test images among all ten classes
    confusion: tuple[tuple[int, ...], ...]  # unseen test images: true class x predicted (10x10)

    @property
    def gzsl_harmonic(self) -> float:
        total = self.gzsl_unseen + self.gzsl_seen
        return 2 * self.gzsl_unseen * self.gzsl_seen / total if total else 0.0


def _first_per_class(labels: torch.Tensor, per_class: int) -> torch.Tensor:
    """The indices of the first `per_class` examples of each class, in class order."""
    return torch.cat([(labels == c).nonzero().flatten()[:per_class] for c in range(CLASSES)])


def load_fashion(
    data_root: str | None, download: bool, train_per_class: int, test_per_class: int
) -> FashionImages:
    """Fashion-MNIST standardised, the first `train_per_class` training images of each class
    and the first `test_per_class` test images of each class."""
    from learnlab.data import load_dataset

    ds = load_dataset("fashion-mnist", root=data_root, download=download)

    def standardise(x: torch.Tensor) -> torch.Tensor:
        return (x.float() / ds.scale - ds.mean) / ds.std

    train = _first_per_class(ds.train.y, train_per_class)
    test = _first_per_class(ds.test.y, test_per_class)
    return FashionImages(
        standardise(ds.train.x[train]),
        ds.train.y[train].long(),
        standardise(ds.test.x[test]),
        ds.test.y[test].long(),
    )


def draw_class_splits(unseen: int, splits: int, seed: int) -> list[tuple[int, ...]]:
    """`splits` distinct sets of `unseen` of the ten classes (sorted), drawn from `seed`."""
    import itertools

    every = list(itertools.combinations(range(CLASSES), unseen))
    if splits > len(every):
        raise ConfigError(f"splits={splits}: there are only {len(every)} sets; lower splits.")
    order = torch.randperm(len(every), generator=torch.Generator().manual_seed(seed))
    return [every[i] for i in order[:splits].tolist()]


def _accuracy(predicted: torch.Tensor, labels: torch.Tensor) -> float:
    return float((predicted == labels).float().mean())


def train_and_test_words(
    data: FashionImages,
    embeddings: torch.Tensor,
    texts: str,
    unseen: tuple[int, ...],
    seed: int,
    config,
) -> WordsOutcome:
    from learnlab.data.loader import TensorLoader
    from learnlab.models.registry import build_model
    from learnlab.objectives.description_matching import DescriptionMatching, most_similar_class
    from learnlab.procedures.base import Stage, train_stage

    seen = [c for c in range(CLASSES) if c not in unseen]
    is_seen = torch.isin(data.y_train, torch.tensor(seen))
    torch.manual_seed(seed)
    model = build_model("conv4", (1, 28, 28), embeddings.shape[1], width=config.width)
    loader = TensorLoader(
        data.x_train[is_seen], data.y_train[is_seen], batch_size=config.batch_size, seed=seed
    )
    objective = DescriptionMatching(embeddings, seen, config.temperature)
    stage = Stage(epochs=config.words_epochs, optimizer="adam", lr=config.lr)
    train_stage(model, objective, loader, stage, name=f"match {texts}")
    model.eval()
    with torch.no_grad():
        features = torch.cat([model(x) for x in data.x_test.split(1000)])
    test_unseen = torch.isin(data.y_test, torch.tensor(list(unseen)))
    f_u, y_u = features[test_unseen], data.y_test[test_unseen]
    f_s, y_s = features[~test_unseen], data.y_test[~test_unseen]
    predicted_u = most_similar_class(f_u, embeddings, unseen)
    confusion = torch.zeros(CLASSES, CLASSES, dtype=torch.long)
    confusion.index_put_((y_u, predicted_u), torch.ones_like(y_u), accumulate=True)
    return WordsOutcome(
        unseen=unseen,
        seed=seed,
        texts=texts,
        unseen_accuracy=_accuracy(predicted_u, y_u),
        seen_accuracy=_accuracy(most_similar_class(f_s, embeddings, seen), y_s),
        gzsl_unseen=_accuracy(most_similar_class(f_u, embeddings, range(CLASSES)), y_u),
        gzsl_seen=_accuracy(most_similar_class(f_s, embeddings, range(CLASSES)), y_s),
        confusion=tuple(tuple(row) for row in confusion.tolist()),
    )
