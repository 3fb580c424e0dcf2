"""digit-strings: structured output (lecture L3) — read images of 1 to 5 MNIST digits side by
side into the digit string, with a CNN encoder trained by CTC (Graves et al., ICML 2006).

The strings (`learnlab.data.digit_strings`) put each digit at a random gap from its
neighbour and a random height, in a canvas of fixed width; training and validation strings are
made from disjoint MNIST training digits, test strings from MNIST test digits, so the reader
is judged on digits it never saw. The reader (`reader.StringReader`) turns each column of its
feature map into a frame of scores over blank + 10 digits; CTC (`learnlab.objectives.ctc`)
sums over every alignment of the string to the frames, so no digit positions are needed;
best-path decoding reads the string. Each seed trains one reader (one phase through the
Trainer) on the same strings; the table reports the whole-string accuracy and the per-digit
edit distance (symbol error rate) on the test strings, mean ± std over the seeds, and the
accuracy by string length.

Settings were chosen on the validation strings, never on the test strings. Measured
(2026-12-06, `OMP_NUM_THREADS=1 learnlab run digit-strings`, 1 thread on a shared, loaded
2-core machine): with 4 epochs (the first default) 129 s of user CPU time, validation
whole-string accuracy 88.5% ± 1.1 (3 seeds), test 86.3% ± 0.7 (per-digit edit distance
4.8% ± 0.3): the 90% target missed. Probes on seed 0 (`--set seeds=1`): 32 channels, 4 epochs,
validation 89.1% (95 s of CPU); 16 channels, 8 epochs, validation 92.5% (85 s of CPU): the
default is now 8 epochs. The default (8 epochs, same command, machine idle by then): 182 s of
user CPU time, 3.1 min wall; test whole-string accuracy 91.11% ± 0.35 (seeds 91.50, 91.02,
90.82; target >= 90% met), per-digit edit distance 3.07% ± 0.12, validation 92.23% ± 0.28; by
length 97.2% (1 digit), 92.8, 90.7, 87.2, 87.6% (5 digits).

Resume: one computation of a few minutes; `--resume` runs it again.
"""

from __future__ import annotations

import statistics
from typing import Any

from learnlab.recipes.context import RunContext
from learnlab.recipes.digit_strings.config import DigitStringsConfig
from learnlab.recipes.registry import register_recipe
from learnlab.recipes.seeds import spread_keys
from learnlab.result import FigureSpec, Result, percent

NAME = "digit-strings"
TARGET = 0.90  # whole-string accuracy on the test strings (issue 17)
SCORES = ("string_accuracy", "symbol_error_rate")


@register_recipe(
    NAME,
    "Structured output: read images of 1 to 5 MNIST digits side by side with a CNN trained "
    "by CTC (Graves et al. 2006); whole-string accuracy and per-digit edit distance, 3 seeds",
    DigitStringsConfig,
    quick={
        "dataset": "digits",
        "downsample": 1,
        "width": 40,
        "min_gap": 0,
        "max_gap": 1,
        "max_offset": 1,
        "train_strings": 200,
        "val_strings": 40,
        "test_strings": 40,
        "channels": 4,
        "hidden": 16,
        "epochs": 1,
        "examples_shown": 3,
    },
)
def run(config: DigitStringsConfig, ctx: RunContext) -> Result:
    from learnlab.recipes.digit_strings.experiment import make_strings, train_reader

    strings = make_strings(config)
    seeds = []
    for seed in config.seed_list():
        seeds.append(train_reader(config, strings, seed))
        ctx.console.print(
            f"{NAME}: seed {seed}: test whole-string accuracy "
            f"{percent(seeds[-1]['test']['string_accuracy'])}"
        )
    return _result(config, strings["test"], seeds)


def _summary(config: DigitStringsConfig, seeds: list[dict[str, Any]]) -> dict[str, Any]:
    summary: dict[str, Any] = {"recipe": NAME, "seeds": len(seeds)}
    for split in ("test", "val"):
        for key in SCORES:
            values = [s[split][key] for s in seeds]
            summary[f"{split}_{key}"] = statistics.fmean(values)
            summary.update(spread_keys(f"{split}_{key}", values))
    for n in seeds[0]["test"]["accuracy_by_length"]:
        values = [s["test"]["accuracy_by_length"][n] for s in seeds]
        summary[f"test_string_accuracy_length_{n}"] = statistics.fmean(values)
    summary["target_met"] = summary["test_string_accuracy"] >= TARGET
    summary["train_seconds"] = sum(s["train_seconds"] for s in seeds)
    summary["train_strings"] = config.train_strings
    summary["test_strings"] = config.test_strings
    return summary


def _spread(summary: dict[str, Any], key: str) -> str:
    std = summary.get(f"{key}_std")
    text = f"{100 * summary[key]:.2f}"
    return text if std is None else f"{text} ± {100 * std:.2f}"


def _tables(summary: dict[str, Any], seeds: list[dict[str, Any]]) -> dict[str, list[dict]]:
    per_seed = [
        {
            "seed": s["seed"],
            "test whole-string accuracy %": f"{100 * s['test']['string_accuracy']:.2f}",
            "test per-digit edit distance %": f"{100 * s['test']['symbol_error_rate']:.2f}",
            "val whole-string accuracy %": f"{100 * s['val']['string_accuracy']:.2f}",
            "train seconds": f"{s['train_seconds']:.0f}",
        }
        for s in seeds
    ]
    per_seed.append(
        {
            "seed": f"mean ± std ({len(seeds)} seeds)",
            "test whole-string accuracy %": _spread(summary, "test_string_accuracy"),
            "test per-digit edit distance %": _spread(summary, "test_symbol_error_rate"),
            "val whole-string accuracy %": _spread(summary, "val_string_accuracy"),
            "train seconds": f"{summary['train_seconds']:.0f}",
        }
    )
    by_length = [
        {"digits in the string": n, "test whole-string accuracy %": f"{100 * v:.2f}"}
        for n, v in (
            (int(k.rsplit("_", 1)[1]), v)
            for k, v in summary.items()
            if k.startswith("test_string_accuracy_length_")
        )
    ]
    target = {
        "measure": "whole-string accuracy, test strings",
        "measured": _spread(summary, "test_string_accuracy") + " %",
        "target": f">= {100 * TARGET:.0f} %",
        "met": "yes" if summary["target_met"] else "NO",
    }
    return {
        "CTC reader, per seed": per_seed,
        "by string length (mean over seeds)": by_length,
        "against the target": [target],
    }


def _figure(config: DigitStringsConfig, test, seeds: list[dict[str, Any]]) -> FigureSpec:
    from learnlab.recipes.digit_strings.figures import readings_figure

    shown = min(config.examples_shown, len(test))
    readings = seeds[0]["test_readings"]
    truth = test.sequences()
    return FigureSpec(
        f"test strings read by the CTC reader (seed {seeds[0]['seed']})",
        readings_figure,
        {
            "images": test.images[:shown].clone(),
            "truth": ["".join(map(str, t)) for t in truth[:shown]],
            "readings": ["".join(map(str, r)) for r in readings[:shown]],
        },
        caption="green: read exactly; red: a wrong reading",
    )


def _result(config: DigitStringsConfig, test, seeds: list[dict[str, Any]]) -> Result:
    summary = _summary(config, seeds)
    setup = (
        f"{config.train_strings} training strings of {config.min_length} to "
        f"{config.max_length} {config.dataset} digits ({config.digit_width()} pixels each, "
        f"gaps {config.min_gap}..{config.max_gap}, vertical jitter {config.max_offset}), canvas "
        f"{config.width} pixels wide, {config.frames()} CTC frames; reader of {config.channels} "
        f"channels, Adam lr {config.lr}, {config.epochs} epochs of batch {config.batch_size}; "
        f"{config.test_strings} test strings of unseen test digits."
    )
    verdict = (
        f"Whole-string accuracy {_spread(summary, 'test_string_accuracy')} % (target >= "
        f"{100 * TARGET:.0f} %: {'met' if summary['target_met'] else 'NOT met'}); per-digit "
        f"edit distance {_spread(summary, 'test_symbol_error_rate')} %."
    )
    return Result(
        kind=NAME,
        title=f"{NAME}: reading digit strings with a CNN trained by CTC",
        summary=summary,
        notes=[setup, verdict],
        tables=_tables(summary, seeds),
        figures=[_figure(config, test, seeds)],
        index={"dataset": f"{config.dataset} strings", "model": "cnn + ctc"},
        headline=f"[bold]{NAME}[/]: whole-string accuracy "
        f"{percent(summary['test_string_accuracy'], 2)} over {len(seeds)} seeds",
    )
