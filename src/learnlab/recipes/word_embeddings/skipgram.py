"""Part 1 of the word-embeddings recipe: skip-gram word vectors and their held-out loss.

Training follows word2vec (Mikolov, Sutskever, Chen, Corrado & Dean, 2013, "Distributed
representations of words and phrases and their compositionality"; the objective in
`learnlab.objectives.negative_sampling`): each epoch draws a new subsample of the text and new
dynamic windows, k noise words per pair, and the learning rate decays linearly to zero over
training. The optimizer is Adam (Kingma & Ba, 2015) on minibatches of pairs instead of
word2vec's per-pair SGD, which suits a batched CPU implementation.

Held-out evaluation scores pairs of the test text (subsampled and windowed the same way, with
a fixed seed, and fixed noise words) under two models: the trained vectors, and the best model
that ignores the centre word: the score log(p(o) / (k q(o))), with p the distribution of
context words in the training pairs and q the noise distribution, is the optimum of the
negative-sampling loss when the centre is not used (Levy & Goldberg, 2014, "Neural word
embedding as implicit matrix factorization": the optimum is PMI(c, o) - log k, and PMI is 0
without the centre). The vectors beat it only if they carry information about which words
occur near which.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from learnlab.io.errors import ConfigError
from learnlab.models.skip_gram import SkipGram
from learnlab.objectives.negative_sampling import (
    draw_noise,
    negative_sampling_loss,
    skip_gram_pairs,
    subsample,
)
from learnlab.result import Result, SavedModel
from learnlab.train.events import Callback

if TYPE_CHECKING:
    from rich.console import Console

    from learnlab.recipes.word_embeddings.config import WordEmbeddingsConfig
    from learnlab.recipes.word_embeddings.corpus import Words
    from learnlab.train.trainer import Trainer


@dataclass(frozen=True)
class SkipGramData:
    """What training and evaluation share: keep probabilities and the noise distribution."""

    keep: torch.Tensor  # (V,) float64
    noise: torch.Tensor  # (V,) float64
    window: int
    negatives: int


def epoch_pairs(ids: torch.Tensor, data: SkipGramData, generator: torch.Generator) -> torch.Tensor:
    """One epoch's (centre, context) pairs: a fresh subsample, fresh windows."""
    return skip_gram_pairs(subsample(ids, data.keep, generator), data.window, generator)


class EpochPairs:
    """The Trainer's loader: each epoch a fresh subsample and windows of `ids`, shuffled, in
    batches `(centres, contexts)`. All draws come from `generator`, which the objective's noise
    draws share, in word2vec's order: an epoch's pairs, then each step's noise words. The
    epoch's pairs are drawn when first needed (`len()`, which a progress bar asks before the
    epoch, or iteration). `context_counts`: the context words of the first epoch's pairs."""

    def __init__(
        self, ids: torch.Tensor, data: SkipGramData, batch_size: int, generator: torch.Generator
    ) -> None:
        self.ids, self.data, self.batch_size, self.generator = ids, data, batch_size, generator
        self.context_counts: torch.Tensor | None = None
        self._pairs: torch.Tensor | None = None  # the coming epoch's, once drawn

    def _epoch(self) -> torch.Tensor:
        if self._pairs is None:
            pairs = epoch_pairs(self.ids, self.data, self.generator)
            if len(pairs) == 0:
                raise ConfigError(
                    "an epoch of the training text gave no skip-gram pairs; raise subsample "
                    "or limit_words."
                )
            if self.context_counts is None:
                self.context_counts = torch.bincount(pairs[:, 1], minlength=len(self.data.noise))
            self._pairs = pairs[torch.randperm(len(pairs), generator=self.generator)]
        return self._pairs

    def __len__(self) -> int:
        """Batches in the coming (or running) epoch."""
        return -(-len(self._epoch()) // self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        pairs, b = self._epoch(), self.batch_size
        for start in range(0, len(pairs), b):
            batch = pairs[start : start + b]
            yield batch[:, 0], batch[:, 1]
        self._pairs = None


class LinearDecay(Callback):
    """word2vec's linear decay of the learning rate, here to 1e-4 of the start rather than to
    exactly 0, set before every step: epoch e, step s of S in the epoch (S changes from epoch to
    epoch with the subsample) is at (e S + s) / (E S) of training."""

    order = 5  # before any callback that reads the learning rate

    def __init__(self, lr: float) -> None:
        self.lr = lr

    def before_batch(self, trainer: Trainer) -> None:
        steps = len(trainer.train_loader)
        done = (trainer.epoch * steps + trainer.batch_in_epoch) / (trainer.epochs * steps)
        for group in trainer.optimizer.param_groups:
            group["lr"] = self.lr * max(1.0 - done, 1e-4)


def train_skip_gram(
    model: SkipGram,
    train_ids: torch.Tensor,
    data: SkipGramData,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    generator: torch.Generator,
    callbacks: Sequence[Callback] = (),
) -> tuple[list[dict[str, float]], torch.Tensor]:
    """Train with the Trainer; returns its history (train_loss: the mean loss of each epoch)
    and the counts of context words in the first epoch's pairs (the unigram baseline's
    context distribution)."""
    from learnlab.objectives.negative_sampling import NegativeSampling
    from learnlab.train.trainer import Trainer

    objective = NegativeSampling(data.noise, data.negatives, generator)
    # Adam: word2vec's plain SGD (step 0.025 per pair, tried here on batches) generalised
    # worse on this small corpus (held-out loss above the unigram baseline's)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loader = EpochPairs(train_ids, data, batch_size, generator)
    trainer = Trainer(model, objective, optimizer, callbacks=[LinearDecay(lr), *callbacks])
    history = trainer.fit(loader, epochs=epochs)
    assert loader.context_counts is not None  # drawn with the first epoch
    return history, loader.context_counts


@dataclass(frozen=True)
class HeldOut:
    """Mean negative-sampling loss of held-out pairs under each scorer."""

    pairs: int
    model_loss: float
    unigram_loss: float
    untrained_loss: float


def unigram_scores(context_counts: torch.Tensor, data: SkipGramData) -> torch.Tensor:
    """The centre-blind optimal score of each word: log p(o) - log(k q(o)), add-one p."""
    p = (context_counts.to(torch.float64) + 1.0) / (context_counts.sum() + len(context_counts))
    return torch.log(p) - torch.log(data.negatives * data.noise)


@torch.no_grad()
def heldout_losses(
    model: SkipGram,
    untrained: SkipGram,
    test_ids: torch.Tensor,
    context_counts: torch.Tensor,
    data: SkipGramData,
    seed: int,
) -> HeldOut:
    """Losses of the test text's pairs (subsample, windows and noise words fixed by `seed`)."""
    generator = torch.Generator().manual_seed(seed)
    pairs = epoch_pairs(test_ids, data, generator)
    noise = draw_noise(data.noise.to(torch.float32), len(pairs), data.negatives, generator)
    candidates = torch.cat([pairs[:, 1:], noise], dim=1)
    baseline = unigram_scores(context_counts, data)[candidates]
    was_training = model.training
    model.eval()
    result = HeldOut(
        pairs=len(pairs),
        model_loss=float(negative_sampling_loss(model(pairs[:, 0], candidates)).mean()),
        unigram_loss=float(negative_sampling_loss(baseline).mean()),
        untrained_loss=float(negative_sampling_loss(untrained(pairs[:, 0], candidates)).mean()),
    )
    model.train(was_training)
    return result


def skipgram_part(
    config: WordEmbeddingsConfig, words: Words, console: Console | None = None
) -> Result:
    """Train the skip-gram vectors and score the held-out text; the Result keeps the word
    vectors the recipe compares (outputs `word_vectors`) and the model's weights."""
    from learnlab.analysis.embeddings import centred
    from learnlab.objectives.negative_sampling import keep_probabilities, noise_distribution
    from learnlab.train.callbacks.progress import ProgressBar

    counts = words.vocab.counts_tensor()
    data = SkipGramData(
        keep=keep_probabilities(counts, config.subsample),
        noise=noise_distribution(counts),
        window=config.window,
        negatives=config.negatives,
    )
    torch.manual_seed(config.seed)
    model = SkipGram(len(words.vocab), config.dim)
    history, context_counts = train_skip_gram(
        model,
        words.train_ids,
        data,
        epochs=config.epochs,
        batch_size=config.batch_size,
        lr=config.lr,
        generator=torch.Generator().manual_seed(config.seed),
        callbacks=[ProgressBar(console)] if config.progress else [],
    )
    vectors = model.word_vectors(add_output=config.add_output_vectors)
    if config.centre_vectors:
        vectors = centred(vectors)
    torch.manual_seed(config.seed + 1)
    untrained = SkipGram(len(words.vocab), config.dim)
    heldout = heldout_losses(
        model, untrained, words.test_ids, context_counts, data, config.seed + 3
    )
    return _result(config, words, model, vectors, history, heldout)


def _result(
    config: WordEmbeddingsConfig,
    words: Words,
    model: SkipGram,
    vectors: torch.Tensor,
    history: list[dict[str, float]],
    heldout: HeldOut,
) -> Result:
    from learnlab.recipes.word_embeddings.figures import projection_spec

    summary: dict[str, Any] = {
        "skipgram_train_loss": history[-1]["train_loss"],
        "skipgram_heldout_loss": heldout.model_loss,
        "skipgram_control_loss": heldout.unigram_loss,
        "skipgram_untrained_loss": heldout.untrained_loss,
        "skipgram_heldout_pairs": heldout.pairs,
    }
    kind = "v + u (input plus output vectors)" if config.add_output_vectors else "v (input vectors)"
    info = {
        "model": "skip-gram",
        "options": {"dim": config.dim},
        "input_shape": [1 + config.negatives],
        "num_outputs": len(words.vocab),
    }
    return Result(
        kind="skip-gram",
        title="skip-gram with negative sampling: word vectors",
        summary=summary,
        notes=[
            f"Word vectors: {kind}{', minus their mean' if config.centre_vectors else ''}; "
            "outputs.safetensors holds them (word_vectors, rows in vocabulary order).",
            "Held-out loss: pairs of the held-out text under the trained vectors, under the "
            "best scorer that ignores the centre word (log p(context) - log(k q(context))), "
            "and under an untrained model ((1 + k) log 2).",
        ],
        tables={
            "held-out negative-sampling loss (nats per pair)": [
                {"scorer": scorer, "loss": round(loss, 4)}
                for scorer, loss in (
                    ("skip-gram vectors", heldout.model_loss),
                    ("unigram (ignores the centre word)", heldout.unigram_loss),
                    ("untrained", heldout.untrained_loss),
                )
            ]
        },
        figures=[projection_spec(words.vocab, vectors)],
        history=history,
        config=config.model_dump(mode="json"),
        models={"skip_gram": SavedModel(model, info)},
        outputs={"word_vectors": vectors},
        outputs_info={"vocabulary": list(words.vocab.words)},
    )
