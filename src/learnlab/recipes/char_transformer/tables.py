"""The char-transformer recipe's tables: the target (parent) and the encoder comparison (part
2), both from summary values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from learnlab.recipes.char_transformer.config import TARGET_TRAIN_SECONDS
from learnlab.result import percent

TARGET_TABLE = "Target: the validation loss within 10 minutes of training on 2 CPU cores"
ENCODER_TABLE = "Encoder task: are the two marked tokens equal?"


def target_table(summary: Mapping[str, Any]) -> list[dict[str, str]]:
    """The two halves of the target, set and measured."""
    return [
        {
            "": "validation loss (nats per character)",
            "target": f"<= {summary['target_val_loss']:.2f}",
            "measured": f"{summary['val_loss_nats']:.4f}",
        },
        {
            "": "training time (2 CPU cores)",
            "target": f"<= {TARGET_TRAIN_SECONDS:.0f} s",
            "measured": f"{summary['train_seconds']:.0f} s ({summary['torch_threads']} threads)",
        },
    ]


def encoder_table(summary: Mapping[str, Any], encoder_vocab: int) -> list[dict[str, object]]:
    """The attention model beside what cannot use positions, and the majority class."""
    return [
        {
            "model": "transformer-classifier (attention)",
            "test accuracy": percent(summary["encoder_test_accuracy"]),
            "parameters": summary["encoder_parameters"],
        },
        {
            "model": "bag of tokens + logistic regression",
            "test accuracy": percent(summary["bag_of_tokens_test_accuracy"]),
            "parameters": encoder_vocab + 2,  # a weight per count (symbols and marks), a bias
        },
        {
            "model": "majority class",
            "test accuracy": percent(summary["majority_test_accuracy"]),
            "parameters": 0,
        },
    ]
