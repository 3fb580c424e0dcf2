"""The digit-strings experiment: the strings from a data set's digits, one reader trained by
CTC per seed, and its readings of the test strings."""

from __future__ import annotations

import time
from typing import Any

import torch

from learnlab.data.digit_strings import DigitStrings, digit_strings
from learnlab.recipes.digit_strings.config import DigitStringsConfig


def _digits(config: DigitStringsConfig, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """A split's digit images in [0, 1], average-pooled by `downsample`, and their labels."""
    from learnlab.data import load_dataset

    ds = load_dataset(config.dataset, root=config.data_root, download=config.download)
    part = ds.train if split == "train" else ds.test
    x = part.x.float().reshape(len(part.x), 1, *part.x.shape[-2:]) / ds.scale
    x = torch.nn.functional.avg_pool2d(x, config.downsample)
    return x[:, 0], part.y.long()


def make_strings(config: DigitStringsConfig) -> dict[str, DigitStrings]:
    """Training and validation strings from disjoint MNIST training digits (the validation
    digits are the last `val_digits`), test strings from the test digits; fixed by `seed`."""
    x, y = _digits(config, "train")
    if config.limit_digits is not None:
        x, y = x[: config.limit_digits], y[: config.limit_digits]
    held = min(config.val_digits, len(x) // 5)
    test_x, test_y = _digits(config, "test")
    geometry = {
        "width": config.width,
        "min_length": config.min_length,
        "max_length": config.max_length,
        "min_gap": config.min_gap,
        "max_gap": config.max_gap,
        "max_offset": config.max_offset,
    }
    sources = {
        "train": (x[:-held], y[:-held], config.train_strings),
        "val": (x[-held:], y[-held:], config.val_strings),
        "test": (test_x, test_y, config.test_strings),
    }
    return {
        split: digit_strings(images, labels, count, seed=config.seed + i, **geometry)
        for i, (split, (images, labels, count)) in enumerate(sources.items())
    }


def train_reader(
    config: DigitStringsConfig, strings: dict[str, DigitStrings], seed: int
) -> dict[str, Any]:
    """One reader trained by CTC with Adam (one phase through the Trainer), then read the
    validation and test strings: their scores, the test readings, the training time."""
    from learnlab.data.loader import TensorLoader
    from learnlab.objectives.ctc import CTC
    from learnlab.procedures.base import Stage, train_stage
    from learnlab.recipes.digit_strings.reader import StringReader

    torch.manual_seed(seed)
    model = StringReader(channels=config.channels, hidden=config.hidden)
    train = strings["train"]
    loader = TensorLoader(
        train.images, train.labels, train.lengths, batch_size=config.batch_size, seed=seed
    )
    start = time.perf_counter()
    phase = train_stage(
        model, CTC(), loader, Stage(epochs=config.epochs, lr=config.lr), name=f"seed-{seed}"
    )
    seconds = time.perf_counter() - start
    out: dict[str, Any] = {"seed": seed, "train_seconds": seconds, "history": phase.history}
    for split in ("val", "test"):
        readings = read_strings(model, strings[split])
        out[split] = score(readings, strings[split])
        if split == "test":
            out["test_readings"] = readings
    return out


@torch.no_grad()
def read_strings(model: torch.nn.Module, strings: DigitStrings, batch: int = 500) -> list:
    """Best-path readings of every string, in order."""
    from learnlab.objectives.ctc import greedy_decode

    model.eval()
    readings: list[list[int]] = []
    for i in range(0, len(strings), batch):
        readings += greedy_decode(model(strings.images[i : i + batch]).log_softmax(-1))
    return readings


def score(readings: list[list[int]], strings: DigitStrings) -> dict[str, Any]:
    """Whole-string accuracy, per-digit edit distance (symbol error rate), and the whole-string
    accuracy by true length."""
    from learnlab.metrics.sequences import sequence_scores

    truth = strings.sequences()
    scores: dict[str, Any] = sequence_scores(readings, truth)
    by_length = {}
    for n in sorted(set(strings.lengths.tolist())):
        chosen = [i for i, t in enumerate(truth) if len(t) == n]
        by_length[n] = sum(readings[i] == truth[i] for i in chosen) / len(chosen)
    scores["accuracy_by_length"] = by_length
    return scores
