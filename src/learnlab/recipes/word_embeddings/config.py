"""The word-embeddings recipe's settings; the defaults are the recipe."""

from __future__ import annotations

from pydantic import Field

from learnlab.config import DataRecipeConfig
from learnlab.io.errors import ConfigError


class WordEmbeddingsConfig(DataRecipeConfig):
    # words
    min_count: int = Field(5, ge=1, le=1000)
    limit_words: int | None = Field(None, ge=200)  # cut the training text (smoke tests)
    # skip-gram
    dim: int = Field(64, ge=2, le=512)
    window: int = Field(5, ge=1, le=20)
    negatives: int = Field(5, ge=1, le=50)
    subsample: float = Field(1e-4, gt=0, le=1)
    epochs: int = Field(5, ge=1, le=100)
    batch_size: int = Field(1024, ge=8, le=1_000_000)
    lr: float = Field(0.003, gt=0, le=1)
    add_output_vectors: bool = True  # word vectors v + u rather than v
    centre_vectors: bool = True  # subtract the mean word vector before cosines
    # language model (sentence vectors)
    lm_dim: int = Field(64, ge=2, le=1024)
    lm_hidden: int = Field(128, ge=2, le=2048)
    lm_seq_len: int = Field(32, ge=2, le=1024)
    lm_batch_size: int = Field(32, ge=1, le=100_000)
    lm_epochs: int = Field(5, ge=1, le=100)
    lm_lr: float = Field(0.003, gt=0, le=1)
    # evaluation
    neighbours: int = Field(5, ge=1, le=50)
    random_pairs_per_pair: int = Field(20, ge=1, le=1000)
    random_pair_vocabulary: int = Field(2000, ge=10)  # random partners among the most frequent
    probe_lines: int = Field(1500, ge=10, le=100_000)  # per class
    probe_min_words: int = Field(5, ge=2, le=50)
    probe_folds: int = Field(5, ge=2, le=20)
    neighbour_pool: int = Field(40_000, ge=10)  # lines searched for nearest lines, in text order


def check(config: WordEmbeddingsConfig) -> None:
    """What the field ranges cannot say; raised before anything is written (the checks that
    need the text are in `corpus.read_words`, also before anything is written)."""
    if config.limit_words is not None and config.limit_words < config.lm_seq_len + 1:
        raise ConfigError(
            f"limit_words={config.limit_words} leaves fewer training words than lm_seq_len + 1 "
            f"= {config.lm_seq_len + 1}; lower lm_seq_len or raise limit_words."
        )
