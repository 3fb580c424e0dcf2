"""Summary keys renamed since run directories were first written, and old summaries read with
the current names.

summary.json once held the test split's macro precision, recall and F1 unprefixed
(`macro_f1`) beside prefixed test metrics (`test_macro_auc`, `test_ece`); every test metric is
now `test_...`. A run directory written before keeps its file as it was: whatever reads a
summary (the report, `learnlab runs` and its `--where`, `runs compare`, a resumed recipe's
parts) passes it through `with_current_names`, so old and new runs answer to the same names.

Example:
    >>> with_current_names({"test_loss": 0.2, "macro_f1": 0.9})
    {'test_loss': 0.2, 'test_macro_f1': 0.9}
"""

from __future__ import annotations

from typing import Any

# old name -> current name
RENAMED_SUMMARY_KEYS = {
    "macro_precision": "test_macro_precision",
    "macro_recall": "test_macro_recall",
    "macro_f1": "test_macro_f1",
}


def with_current_names(summary: dict[str, Any]) -> dict[str, Any]:
    """`summary` with each old key under its current name, in the old key's place; where both
    names are present the current one's value is kept. A summary without old keys is returned
    unchanged (the same object)."""
    if not any(old in summary for old in RENAMED_SUMMARY_KEYS):
        return summary
    renamed: dict[str, Any] = {}
    for key, value in summary.items():
        new = RENAMED_SUMMARY_KEYS.get(key)
        if new is None:
            renamed[key] = value
        elif new not in summary:
            renamed[new] = value
    return renamed
