"""Part 2 of the word-embeddings recipe: a word-level language model, and its sentence vectors.

A GRU (Cho et al., 2014, "Learning phrase representations using RNN encoder-decoder for
statistical machine translation") reads the words of a text and predicts the next one; after
training, its hidden state at the end of a sentence (read from a zero state) is that sentence's
vector, as in the sentence encoders of Kiros et al. (2015, "Skip-thought vectors") and Dai & Le
(2015, "Semi-supervised sequence learning"). Unlike the mean of word vectors, the state depends
on the order of the words.

Words outside the vocabulary share one id, `unknown_id` = vocabulary size. Training reads the
text in chunks of `seq_len` words, each from a zero state, in a shuffled order each epoch
(truncated backpropagation through time without carrying the state between chunks).

Training runs on the Trainer (`learnlab.objectives.language.NextTokenCrossEntropy`) with Adam,
a cosine learning-rate decay over all steps and gradient clipping at norm 1. The control is the
unigram model of the training text (add-one), scored on the same held-out words.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import nn

from learnlab.result import Result, SavedModel

if TYPE_CHECKING:
    from rich.console import Console

    from learnlab.recipes.word_embeddings.config import WordEmbeddingsConfig
    from learnlab.recipes.word_embeddings.corpus import Words
    from learnlab.train.events import Callback

MODEL_STEM = "language_model"  # the part's weights: language_model.safetensors


class WordLanguageModel(nn.Module):
    """Embedding -> GRU -> linear next-word logits over the vocabulary plus the unknown word."""

    def __init__(self, vocabulary_size: int, dim: int, hidden: int) -> None:
        super().__init__()
        self.unknown_id = vocabulary_size
        self.embedding = nn.Embedding(vocabulary_size + 1, dim)
        self.gru = nn.GRU(dim, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocabulary_size + 1)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Next-word logits (B, T, V + 1) of word ids (B, T)."""
        outputs, _ = self.gru(self.embedding(ids))
        return self.head(outputs)

    @torch.no_grad()
    def sentence_states(self, sentences: Sequence[torch.Tensor], batch: int = 512) -> torch.Tensor:
        """The GRU's hidden state after each sentence's last word (S, hidden), read from a
        zero state; an empty sentence gets the zero state."""
        was_training = self.training
        self.eval()
        states = []
        for start in range(0, len(sentences), batch):
            part = list(sentences[start : start + batch])
            lengths = torch.tensor([max(len(s), 1) for s in part])
            padded = nn.utils.rnn.pad_sequence(
                [s if len(s) else torch.tensor([self.unknown_id]) for s in part], batch_first=True
            )
            packed = nn.utils.rnn.pack_padded_sequence(
                self.embedding(padded), lengths, batch_first=True, enforce_sorted=False
            )
            _, last = self.gru(packed)
            state = last[-1]
            state[torch.tensor([len(s) == 0 for s in part])] = 0.0
            states.append(state)
        self.train(was_training)
        return torch.cat(states)


def chunks(ids: torch.Tensor, seq_len: int) -> torch.Tensor:
    """The id stream cut into (n, seq_len + 1) windows overlapping by one word (inputs and
    their next-word targets); the tail that does not fill a window is dropped."""
    n = (len(ids) - 1) // seq_len
    starts = torch.arange(n) * seq_len
    return ids[starts[:, None] + torch.arange(seq_len + 1)]


@torch.no_grad()
def mean_loss(model: WordLanguageModel, windows: torch.Tensor, batch: int = 256) -> float:
    """Mean next-word cross-entropy (nats per word) over the windows."""
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for start in range(0, len(windows), batch):
        w = windows[start : start + batch]
        logits = model(w[:, :-1])
        total += float(F.cross_entropy(logits.flatten(0, 1), w[:, 1:].flatten(), reduction="sum"))
        count += w[:, 1:].numel()
    model.train(was_training)
    return total / max(count, 1)


def train_language_model(
    model: WordLanguageModel,
    train_ids: torch.Tensor,
    *,
    seq_len: int,
    batch_size: int,
    epochs: int,
    lr: float,
    generator: torch.Generator,
    callbacks: Sequence[Callback] = (),
) -> list[dict[str, float]]:
    """Train with Adam and a cosine learning-rate decay; returns the Trainer's history (the
    mean training loss of each epoch is `train_loss`). The windows are shuffled each epoch by
    `generator`."""
    from learnlab.data.loader import TensorLoader
    from learnlab.objectives.language import NextTokenCrossEntropy
    from learnlab.train.callbacks.grad_clip import GradientClipping
    from learnlab.train.trainer import Trainer

    windows = chunks(train_ids, seq_len)
    loader = TensorLoader(
        windows[:, :-1], windows[:, 1:], batch_size=batch_size, generator=generator
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs * len(loader))
    # GRUs can have exploding gradients on long chunks; clipping keeps steps bounded
    trainer = Trainer(
        model,
        NextTokenCrossEntropy(),
        optimizer,
        schedule=schedule,
        callbacks=[GradientClipping(1.0), *callbacks],
    )
    return trainer.fit(loader, epochs=epochs)


def unigram_loss(
    train_ids: torch.Tensor, test_windows: torch.Tensor, vocabulary_size: int
) -> float:
    """The control: nats per word of the training text's unigram distribution (add-one, the
    same vocabulary and unknown word) on the held-out windows' target words."""
    counts = torch.bincount(train_ids, minlength=vocabulary_size + 1).to(torch.float64) + 1.0
    return float(-torch.log(counts / counts.sum())[test_windows[:, 1:]].mean())


def language_model_part(
    config: WordEmbeddingsConfig, words: Words, console: Console | None = None
) -> Result:
    """Train the GRU language model on the training words (outside words as the unknown word)
    and score the held-out words against the unigram control; the Result keeps the weights
    (`language_model.safetensors`), which the sentence probes read back."""
    from learnlab.recipes.word_embeddings.corpus import ids_with_unknown
    from learnlab.train.callbacks.progress import ProgressBar

    vocab = words.vocab
    train_ids = ids_with_unknown([words.train_tokens], vocab)[0]
    test_ids = ids_with_unknown([words.test_tokens], vocab)[0]
    torch.manual_seed(config.seed)
    model = WordLanguageModel(len(vocab), config.lm_dim, config.lm_hidden)
    history = train_language_model(
        model,
        train_ids,
        seq_len=config.lm_seq_len,
        batch_size=config.lm_batch_size,
        epochs=config.lm_epochs,
        lr=config.lm_lr,
        generator=torch.Generator().manual_seed(config.seed + 1),
        callbacks=[ProgressBar(console)] if config.progress else [],
    )
    test_windows = chunks(test_ids, config.lm_seq_len)
    losses = {"language model (GRU)": mean_loss(model, test_windows)}
    losses["unigram (add-one)"] = unigram_loss(train_ids, test_windows, len(vocab))
    summary: dict[str, Any] = {
        "lm_train_loss": history[-1]["train_loss"],
        "lm_val_loss": losses["language model (GRU)"],
        "lm_val_loss_unigram": losses["unigram (add-one)"],
    }
    info = {"vocabulary_size": len(vocab), "dim": config.lm_dim, "hidden": config.lm_hidden}
    return Result(
        kind="word-language-model",
        title="word-level GRU language model: sentence vectors",
        summary=summary,
        notes=[
            "Held-out words outside the vocabulary are one unknown word; the unigram model "
            "scores the same held-out words."
        ],
        tables={
            "held-out next-word loss (nats per word)": [
                {"model": name, "loss": round(loss, 4)} for name, loss in losses.items()
            ]
        },
        history=history,
        config=config.model_dump(mode="json"),
        models={MODEL_STEM: SavedModel(model, info)},
    )


def load_language_model(part_dir: Path) -> WordLanguageModel:
    """The language model a finished `language_model_part` stored in `part_dir`."""
    from learnlab.io.weights import read_model_file

    weights, info = read_model_file(Path(part_dir) / f"{MODEL_STEM}.safetensors")
    model = WordLanguageModel(info["vocabulary_size"], info["dim"], info["hidden"])
    model.load_state_dict(weights)
    return model
