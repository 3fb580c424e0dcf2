"""Metrics of predicted sequences against true ones: the edit (Levenshtein) distance and the
rates a reader of strings is judged by.

`edit_distance(a, b)` is the fewest insertions, deletions and substitutions that turn a into
b (the dynamic programme of Wagner & Fischer 1974). `sequence_scores` gives the whole-string
accuracy (the fraction read exactly) and the symbol error rate (total edit distance over the
total true length: per-digit errors for digit strings).

Example:
    >>> edit_distance([1, 2, 3], [1, 3])
    1
    >>> sequence_scores([[1, 2], [3]], [[1, 2], [4, 4]])
    {'string_accuracy': 0.5, 'symbol_error_rate': 0.5, 'mean_edit_distance': 1.0}
"""

from __future__ import annotations

from collections.abc import Sequence


def edit_distance(a: Sequence[int], b: Sequence[int]) -> int:
    """Levenshtein distance between two sequences."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def sequence_scores(
    predicted: Sequence[Sequence[int]], truth: Sequence[Sequence[int]]
) -> dict[str, float]:
    """Whole-string accuracy, symbol error rate (edits per true symbol), mean edit distance."""
    if len(predicted) != len(truth) or not truth:
        raise ValueError(
            f"need as many predictions as true strings, at least one; got {len(predicted)} "
            f"and {len(truth)}"
        )
    distances = [edit_distance(p, t) for p, t in zip(predicted, truth, strict=True)]
    exact = sum(list(p) == list(t) for p, t in zip(predicted, truth, strict=True))
    symbols = sum(len(t) for t in truth)
    return {
        "string_accuracy": exact / len(truth),
        "symbol_error_rate": sum(distances) / max(symbols, 1),
        "mean_edit_distance": sum(distances) / len(truth),
    }
