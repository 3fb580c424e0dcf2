"""The words of the word-embeddings recipe: Tiny Shakespeare's first 90% for training, the rest
held out, lowercase letter runs as words, and the vocabulary of the words seen `min_count`
times or more (`learnlab.data.words`). Every part reads the same `Words`; sentences become id
sequences here too (words outside the vocabulary dropped, or mapped to one unknown word)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from learnlab.data.words import Vocabulary
from learnlab.io.errors import ConfigError
from learnlab.recipes.word_embeddings.config import WordEmbeddingsConfig


@dataclass(frozen=True)
class Words:
    """The text as tokens, and as vocabulary ids (words outside the vocabulary dropped)."""

    vocab: Vocabulary
    train_ids: torch.Tensor
    test_ids: torch.Tensor
    train_tokens: list[str]
    test_tokens: list[str]
    text: str  # the whole file (both splits): the sentence probes read its lines


def read_words(config: WordEmbeddingsConfig) -> Words:
    """The recipe's words; a vocabulary too small for the recipe, or a text too short for the
    language model, is a ConfigError that says which setting to change."""
    from learnlab.data.words import build_vocabulary, encode, shakespeare_texts, tokenize
    from learnlab.recipes.word_embeddings.vectors import used_pairs

    train_text, test_text = shakespeare_texts(config.data_root, config.download)
    train_tokens, test_tokens = tokenize(train_text), tokenize(test_text)
    if config.limit_words is not None:
        train_tokens = train_tokens[: config.limit_words]
        test_tokens = test_tokens[: max(config.limit_words // 9, 100)]
    vocab = build_vocabulary(train_tokens, config.min_count)
    if len(vocab) < 10:
        raise ConfigError(
            f"only {len(vocab)} words occur {config.min_count} times or more in the training "
            "text; lower min_count or raise limit_words."
        )
    if len(train_tokens) < config.lm_seq_len + 1:
        raise ConfigError(
            f"the training text has {len(train_tokens)} words, fewer than lm_seq_len + 1 = "
            f"{config.lm_seq_len + 1}; lower lm_seq_len or raise limit_words."
        )
    used_pairs(vocab)  # refuses a vocabulary without any of the related pairs
    return Words(
        vocab,
        encode(train_tokens, vocab),
        encode(test_tokens, vocab),
        train_tokens,
        test_tokens,
        train_text + test_text,
    )


def ids_in_vocabulary(sentences: Sequence[list[str]], vocab: Vocabulary) -> list[torch.Tensor]:
    """Each sentence's word ids, words outside the vocabulary dropped (for mean vectors)."""
    index = vocab.index
    return [torch.tensor([index[w] for w in s if w in index], dtype=torch.int64) for s in sentences]


def ids_with_unknown(sentences: Sequence[list[str]], vocab: Vocabulary) -> list[torch.Tensor]:
    """Each sentence's word ids, words outside the vocabulary as id len(vocab) (for the LM)."""
    index, unknown = vocab.index, len(vocab)
    return [torch.tensor([index.get(w, unknown) for w in s], dtype=torch.int64) for s in sentences]
