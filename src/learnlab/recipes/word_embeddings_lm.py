"""The word-level language model of the `word-embeddings` recipe, and its sentence vectors.

A GRU (Cho et al., 2014, "Learning phrase representations using RNN encoder-decoder for
statistical machine translation") reads the words of a text and predicts the next one; after
training, its hidden state at the end of a sentence (read from a zero state) is that sentence's
vector, as in the sentence encoders of Kiros et al. (2015, "Skip-thought vectors") and Dai & Le
(2015, "Semi-supervised sequence learning"). Unlike the mean of word vectors, the state depends
on the order of the words.

Words outside the vocabulary share one id, `unknown_id` = vocabulary size. Training reads the
text in chunks of `seq_len` words, each from a zero state, in a shuffled order each epoch
(truncated backpropagation through time without carrying the state between chunks).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn


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
    on_step: Callable[[float], None] | None = None,
) -> list[float]:
    """Train with Adam and a cosine learning-rate decay; returns the mean training loss of each
    epoch. `on_step(loss)` is called after every step (progress)."""
    windows = chunks(train_ids, seq_len)
    steps_per_epoch = math.ceil(len(windows) / batch_size)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs * steps_per_epoch)
    model.train()
    history = []
    for _ in range(epochs):
        order = torch.randperm(len(windows), generator=generator)
        total = 0.0
        for start in range(0, len(windows), batch_size):
            w = windows[order[start : start + batch_size]]
            logits = model(w[:, :-1])
            loss = F.cross_entropy(logits.flatten(0, 1), w[:, 1:].flatten())
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            # GRUs can have exploding gradients on long chunks; clipping keeps steps bounded
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            value = float(loss.detach())
            total += value * len(w)
            if on_step is not None:
                on_step(value)
        history.append(total / len(windows))
    return history
