"""Part (b)'s Result: the summary (mean test accuracy per label count and method with its
spread over seeds, the majority-class rate), the table, the figure and the verdict."""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

from learnlab.recipes.pretrain_finetune.config import PretrainFinetuneConfig
from learnlab.recipes.pretrain_finetune.speaker_data import SpeakerSplit
from learnlab.recipes.seeds import spread_keys
from learnlab.result import FigureSpec, Result, percent

PART = "speakers"
METHODS = ("from scratch", "pre-trained transformer", "char n-gram TF-IDF + logistic regression")
SHORT = {METHODS[0]: "from_scratch", METHODS[1]: "pretrained", METHODS[2]: "ngram"}
TABLE = "speaker of a line: test accuracy per label budget and method"


def key(method: str, count: int) -> str:
    return f"speakers_{SHORT[method]}_{count}_labels_test_accuracy"


def majority_rate(split: SpeakerSplit) -> float:
    counts = Counter(line.speaker for line in split.test)
    return max(counts.values()) / len(split.test)


def _summary(config, split, lm: Result, seeds: list[dict[int, dict[str, float]]]) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "speakers_names": ", ".join(split.speakers),
        "speakers_test_lines": len(split.test),
        "speakers_pool_lines": len(split.pool),
        "speakers_majority_test_accuracy": majority_rate(split),
        "speakers_lm_val_loss_nats": lm.summary["val_loss_nats"],
        "speakers_lm_steps": lm.summary["steps"],
        "speakers_lm_train_seconds": lm.summary["train_seconds"],
    }
    for count in config.speaker_label_counts:
        for method in METHODS:
            values = [s[count][method] for s in seeds]
            summary[key(method, count)] = statistics.fmean(values)
            summary.update(spread_keys(key(method, count), values))
        summary[f"speakers_pretrained_wins_{count}_labels"] = sum(
            s[count][METHODS[1]] > s[count][METHODS[0]] for s in seeds
        )
    return summary


def _rows(config: PretrainFinetuneConfig, summary: dict[str, Any]) -> list[dict[str, str]]:
    rows = []
    for count in config.speaker_label_counts:
        for method in METHODS:
            k = key(method, count)
            std = summary.get(f"{k}_std")
            rows.append(
                {
                    "labelled lines": str(count),
                    "method": method,
                    f"mean test accuracy ({config.seeds} seeds)": percent(summary[k], 1),
                    "std": "-" if std is None else f"{100 * std:.1f} points",
                    "min .. max": f"{percent(summary[f'{k}_min'], 1)} .. "
                    f"{percent(summary[f'{k}_max'], 1)}",
                }
            )
        rows.append(
            {
                "labelled lines": str(count),
                "method": "majority class (most frequent test speaker)",
                f"mean test accuracy ({config.seeds} seeds)": percent(
                    summary["speakers_majority_test_accuracy"], 1
                ),
                "std": "-",
                "min .. max": "-",
            }
        )
    return rows


def verdict(config: PretrainFinetuneConfig, summary: dict[str, Any]) -> str:
    parts = []
    for count in config.speaker_label_counts:
        tuned, scratch = summary[key(METHODS[1], count)], summary[key(METHODS[0], count)]
        ngram = summary[key(METHODS[2], count)]
        gain = "a gain" if tuned > scratch else "NO gain"
        parts.append(
            f"with {count} labelled lines the pre-trained transformer reaches {percent(tuned, 1)} "
            f"test accuracy against {percent(scratch, 1)} from scratch ({gain}; better on "
            f"{summary[f'speakers_pretrained_wins_{count}_labels']} of {config.seeds} seeds) "
            f"and {percent(ngram, 1)} for the n-gram model"
        )
    majority = percent(summary["speakers_majority_test_accuracy"], 1)
    return "Part (b): " + "; ".join(parts) + f" (majority class {majority})."


def speaker_result(config, split: SpeakerSplit, lm: Result, seeds) -> Result:
    from learnlab.recipes.pretrain_finetune.figures import label_budget_figure

    summary = _summary(config, split, lm, seeds)
    counts = list(config.speaker_label_counts)
    scores = {m: [[s[c][m] for s in seeds] for c in counts] for m in METHODS}
    figure = FigureSpec(
        "speaker test accuracy against the number of labelled lines",
        label_budget_figure,
        {
            "label_counts": counts,
            "errors": scores,
            "ylabel": "test accuracy (%)",
            "xlabel": "labelled training lines",
            "title": f"Tiny Shakespeare: who says the line? ({config.speakers} speakers)",
            "reference": ["majority class", summary["speakers_majority_test_accuracy"]],
        },
    )
    return Result(
        kind=f"pretrain-finetune/{PART}",
        title="Part (b): a pre-trained char-transformer fine-tuned to tell a line's speaker",
        summary=summary,
        notes=_notes(config, summary) + [verdict(config, summary)],
        tables={TABLE: _rows(config, summary)},
        figures=[figure] + list(lm.figures),
        config=config.model_dump(mode="json"),
    )


def _notes(config: PretrainFinetuneConfig, summary: dict[str, Any]) -> list[str]:
    return [
        f"Speakers (the {config.speakers} with the most lines in Tiny Shakespeare): "
        f"{summary['speakers_names']}. The last {config.speaker_test_fraction:g} of each one's "
        f"lines ({summary['speakers_test_lines']} lines) are the test set; they are cut out of "
        "the text before pre-training, so the language model never reads them. The labelled "
        f"lines (the same number per speaker) are drawn from the other "
        f"{summary['speakers_pool_lines']} lines, afresh for every seed.",
        f"Pre-training, once for all seeds: the char-transformer (dim {config.lm_dim}, depth "
        f"{config.lm_depth}, {config.lm_heads} heads, context {config.speaker_context}) as a "
        f"next-character model, {summary['speakers_lm_steps']} AdamW steps of "
        f"{config.lm_batch_size} windows (the char-transformer recipe's training) on 95% of "
        f"the text without the test lines; its loss on the other 5%: "
        f"{summary['speakers_lm_val_loss_nats']:.3f} nats/char.",
        "Fine-tuning: the model's features (final LayerNorm) averaged over a line's "
        f"characters, a new linear head, every layer trained with Adam (lr {config.speaker_lr:g}, "
        f"{config.speaker_epochs} epochs); from scratch: the same network randomly initialised "
        "and trained identically. The n-gram model: character 1- to 4-grams (TF-IDF) and a "
        "logistic regression on the same labelled lines.",
    ]
