"""Data checks: class balance, NaN/inf, input scale, and train/test leakage by hashing.

Methodology from lecture 004 (look at the data before blaming the model) and the leakage
studies of Barz & Denzler (2020), "Do we train on test data? Purging CIFAR of near-duplicates",
which found test images duplicated in the training sets of CIFAR: a test set that shares
examples with the training set overstates accuracy.

Algorithm:
- class balance (integer labels): counts per class in train and test; the share of the
  largest class is the accuracy of always guessing it. Warn when a class is missing from a
  split or the smallest class has under a tenth of the largest's examples in train.
- NaN/inf: counted in the inputs and targets of both splits; any is a failure.
- input scale (floating-point inputs): mean, std, min and max over up to 5,000 examples of
  each split. Warn when the training inputs are far from standardised (|mean| > 1 or std
  outside [0.1, 10], or max |x| > 100) or when the test inputs' mean differs from the
  training mean by more than half a training std (the splits were normalised differently).
- leakage: each example's input bytes are hashed with BLAKE2b (128-bit digests); a test
  example whose digest and target equal a training example's is a duplicate, one whose
  digest matches under another target is a label conflict. Every example of both splits is
  hashed (about 0.2 s per 60,000 MNIST images). Failure when duplicates make up 0.1% of
  the test set or more, a warning below that.
"""

from __future__ import annotations

import hashlib
import math

import torch
from torch import Tensor

from learnlab.data.dataset import Split
from learnlab.doctor.common import indices, is_classification
from learnlab.doctor.result import CheckResult, Status, worst

IMBALANCE = 0.1
STATS_EXAMPLES = 5000
LEAK_FAIL_FRACTION = 0.001
SHOWN = 10


def example_digests(x: Tensor) -> list[bytes]:
    """One BLAKE2b digest (16 bytes) per example of the bytes of its input."""
    rows = x.detach().cpu().reshape(len(x), -1).contiguous().numpy()
    return [hashlib.blake2b(row.tobytes(), digest_size=16).digest() for row in rows]


def _target_bytes(y: Tensor) -> list[bytes]:
    return [row.tobytes() for row in y.detach().cpu().reshape(len(y), -1).contiguous().numpy()]


def find_leaks(train: Split, test: Split) -> dict:
    """Test examples that also appear in train: exact duplicates (same input and target), and
    inputs that appear in train under another target (conflicts); pairs (test index, train
    index). Each split's inputs are hashed once; an example's key is (digest, target bytes)."""
    train_inputs = example_digests(train.x)
    train_keys = list(zip(train_inputs, _target_bytes(train.y), strict=True))
    first_of_key = {key: i for i, key in reversed(list(enumerate(train_keys)))}
    first_of_input = {d: i for i, d in reversed(list(enumerate(train_inputs)))}
    duplicates, conflicts = [], []
    test_keys = zip(example_digests(test.x), _target_bytes(test.y), strict=True)
    for j, key in enumerate(test_keys):
        if key in first_of_key:
            duplicates.append((j, first_of_key[key]))
        elif key[0] in first_of_input:
            conflicts.append((j, first_of_input[key[0]]))
    within = len(train) - len(first_of_key)
    return {"duplicates": duplicates, "conflicts": conflicts, "duplicates_within_train": within}


def _balance(train: Split, test: Split) -> tuple[list[dict], list[tuple[Status, str]]]:
    labels = torch.cat([train.y.reshape(-1), test.y.reshape(-1)])
    classes = int(labels.max()) + 1 if len(labels) else 0
    train_counts = torch.bincount(train.y.reshape(-1).cpu(), minlength=classes)
    test_counts = torch.bincount(test.y.reshape(-1).cpu(), minlength=classes)
    total = max(1, int(train_counts.sum()))
    rows = [
        {
            "class": c,
            "train": int(train_counts[c]),
            "train share": f"{100 * int(train_counts[c]) / total:.1f}%",
            "test": int(test_counts[c]),
        }
        for c in range(classes)
    ]
    verdicts: list[tuple[Status, str]] = []
    missing_train = [c for c in range(classes) if train_counts[c] == 0]
    missing_test = [c for c in range(classes) if test_counts[c] == 0]
    if missing_train:
        verdicts.append(("warn", f"classes {missing_train} have no training example"))
    if missing_test:
        verdicts.append(("warn", f"classes {missing_test} have no test example"))
    present = train_counts[train_counts > 0]
    if len(present) and present.min() < IMBALANCE * present.max():
        verdicts.append(
            ("warn", f"imbalanced: {int(present.min())} vs {int(present.max())} examples per class")
        )
    return rows, verdicts


def _non_finite(split: Split) -> int:
    count = 0
    for t in (split.x, split.y):
        if t.is_floating_point():
            count += int((~torch.isfinite(t)).sum())
    return count


def _scale(name: str, x: Tensor) -> dict:
    sub = x[indices(len(x), STATS_EXAMPLES, 0)].double()
    sub = sub[torch.isfinite(sub)]
    if sub.numel() == 0:
        return {"split": name, "mean": math.nan, "std": math.nan, "min": math.nan, "max": math.nan}
    return {
        "split": name,
        "mean": sub.mean().item(),
        "std": sub.std().item() if sub.numel() > 1 else 0.0,
        "min": sub.min().item(),
        "max": sub.max().item(),
    }


def _scale_verdicts(train_stats: dict, test_stats: dict) -> list[tuple[Status, str]]:
    verdicts: list[tuple[Status, str]] = []
    mean, std = train_stats["mean"], train_stats["std"]
    biggest = max(abs(train_stats["min"]), abs(train_stats["max"]))
    if abs(mean) > 1 or not 0.1 <= std <= 10 or biggest > 100:
        verdicts.append(
            (
                "warn",
                f"training inputs not standardised (mean {mean:.3g}, std {std:.3g}, "
                f"max |x| {biggest:.3g})",
            )
        )
    if std > 0 and abs(test_stats["mean"] - mean) > 0.5 * std:
        verdicts.append(
            ("warn", f"test inputs differ in scale (mean {test_stats['mean']:.3g} vs {mean:.3g})")
        )
    return verdicts


def check_data(train: Split, test: Split) -> CheckResult:
    """All data checks on the two splits (as the model sees them, after normalisation)."""
    verdicts: list[tuple[Status, str]] = []
    tables: dict[str, list[dict]] = {}
    values: dict = {"train_examples": len(train), "test_examples": len(test)}
    if is_classification(train.y):
        rows, balance = _balance(train, test)
        tables["Class balance"] = rows
        verdicts += balance
        values["majority_class_share"] = max((r["train"] for r in rows), default=0) / max(
            1, len(train)
        )
    non_finite = {"train": _non_finite(train), "test": _non_finite(test)}
    values["non_finite"] = non_finite
    for split, count in non_finite.items():
        if count:
            verdicts.append(("fail", f"{count} NaN/inf values in the {split} split"))
    if train.x.is_floating_point():
        stats = [_scale("train", train.x), _scale("test", test.x)]
        tables["Input scale"] = stats
        values["input_scale"] = stats
        verdicts += _scale_verdicts(*stats)
    leaks = find_leaks(train, test)
    duplicates, conflicts = leaks["duplicates"], leaks["conflicts"]
    values["train_test_duplicates"] = len(duplicates)
    values["train_test_label_conflicts"] = len(conflicts)
    values["duplicates_within_train"] = leaks["duplicates_within_train"]
    if duplicates:
        share = len(duplicates) / len(test)
        status: Status = "fail" if share >= LEAK_FAIL_FRACTION else "warn"
        verdicts.append(
            (
                status,
                f"leakage: {len(duplicates)} test examples ({100 * share:.2g}%) are "
                "copies of training examples",
            )
        )
    if conflicts:
        verdicts.append(
            ("warn", f"{len(conflicts)} test inputs appear in train with another label")
        )
    if duplicates or conflicts:
        tables["Test examples found in the training set"] = [
            {"test index": j, "train index": i, "kind": kind}
            for kind, pairs in (("duplicate", duplicates), ("other label", conflicts))
            for j, i in pairs[:SHOWN]
        ]
    status = worst([v[0] for v in verdicts])
    problems = [text for _, text in verdicts]
    if problems:
        summary = "; ".join(problems)
    else:
        summary = (
            f"{len(train):,} train / {len(test):,} test examples: no NaN/inf, no test example "
            "in train"
        )
        if "majority_class_share" in values:
            summary += f", largest class {100 * values['majority_class_share']:.1f}%"
    advice = _advice(problems)
    return CheckResult("data", status, summary, advice, values, tables)


def _advice(problems: list[str]) -> list[str]:
    advice = []
    text = " ".join(problems)
    if "leakage" in text:
        advice.append(
            "Remove the duplicated examples from the test set (or split before augmenting / "
            "deduplicate before splitting); test metrics that include them are optimistic."
        )
    if "NaN" in text:
        advice.append("Find where the NaN/inf values come from (missing values, log of 0).")
    if "standardised" in text or "scale" in text:
        advice.append("Normalise inputs with the training set's mean and std, the same for test.")
    if "imbalanced" in text or "no training" in text or "no test" in text:
        advice.append(
            "With imbalanced classes report per-class recall / macro F1, and consider class "
            "weights or resampling."
        )
    if "another label" in text:
        advice.append("Identical inputs with different labels: check the labelling.")
    return advice
