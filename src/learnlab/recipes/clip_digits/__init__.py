"""clip-digits: a dual encoder trained contrastively on (image, caption) pairs, then used as a
zero-shot classifier by text prompts (lecture L0/L1: CLIP; Radford et al. 2021, "Learning
transferable visual models from natural language supervision").

Data: scikit-learn's 8x8 digits. Each training image of a seen digit is paired `caption_draws`
times with a caption drawn from its digit's templates: four name templates ("a photo of the
digit seven", "a handwritten 7", "the number seven", "a drawing of a seven") and a description
by the lit segments of a seven-segment display ("a digit lit on segments top upper-right
lower-right"). The `held_out` digits are never captioned and their images are not used.
Model (`learnlab.models.dual_encoder`): an MLP image encoder; a text encoder that averages
word vectors then applies an MLP; CLIP's learned temperature. Loss: CLIP's symmetric InfoNCE
(`learnlab.objectives.clip`), trained through `procedures.base.train_stage`.

Zero-shot classification of the test images: the class whose prompt embedding (the mean of its
name templates' embeddings, CLIP's prompt ensembling) is the most similar. How can a held-out
digit be reached at all? Its name words ("seven", "7") never appear in a training caption, so
their word vectors keep their random initial values: by name a held-out digit can only be
found by luck, and `held_out_by_name` measures exactly that (it is the control: its mean over
seeds should be near chance, its spread wide). Its segment words, though, were all trained in
the captions of seen digits, and the text encoder is a mean of word vectors: the description
prompt of a held-out digit is a new combination of trained words, `held_out_by_description`.
Chance among the held-out digits is 1/len(held_out). Nothing is tuned on the test images.
"""

from __future__ import annotations

import statistics
from typing import Any

from learnlab.recipes.clip_digits.config import ClipDigitsConfig
from learnlab.recipes.context import RunContext
from learnlab.recipes.registry import register_recipe
from learnlab.result import FigureSpec, Result, percent

NAME = "clip-digits"
QUICK = {"seeds": 3, "epochs": 1, "limit_train": 200}
MEASURES = {
    "seen_accuracy": "seen digits, by name prompts (among seen)",
    "held_out_by_name": "held-out digits, by name prompts (among held-out)",
    "held_out_by_description": "held-out digits, by segment descriptions (among held-out)",
    "all_by_name": "all digits, by name prompts (among all ten)",
}


@register_recipe(
    NAME,
    "CLIP-style dual encoder on digit images and templated captions; zero-shot classification "
    "by text prompts, held-out digits reached through their segment descriptions",
    ClipDigitsConfig,
    quick=QUICK,
)
def run(config: ClipDigitsConfig, ctx: RunContext) -> Result:
    import time

    from learnlab.recipes.clip_digits.training import train_clip_seed
    from learnlab.recipes.zero_shot.data import load_digits

    start = time.perf_counter()
    data = load_digits(config.data_root, config.download, config.limit_train)
    outcomes = [train_clip_seed(data, config, seed) for seed in config.seed_list()]
    return _result(config, outcomes, time.perf_counter() - start)


def _chance(config: ClipDigitsConfig, key: str) -> float:
    classes = {"seen_accuracy": 10 - len(config.held_out), "all_by_name": 10}
    return 1 / classes.get(key, len(config.held_out))


def _summary(config: ClipDigitsConfig, outcomes, seconds: float) -> dict[str, Any]:
    from learnlab.recipes.seeds import spread_keys

    summary: dict[str, Any] = {"recipe": NAME, "held_out": config.held_out}
    for key in [*MEASURES, "final_loss"]:
        values = [getattr(o, key) for o in outcomes]
        summary[key] = statistics.fmean(values)
        summary.update(spread_keys(key, values))
        if key in MEASURES:
            summary[f"chance_{key}"] = _chance(config, key)
    summary.update(seeds=len(outcomes), seconds=seconds)
    return summary


def _table(config: ClipDigitsConfig, outcomes) -> list[dict[str, str]]:
    rows = []
    for key, label in MEASURES.items():
        values = [getattr(o, key) for o in outcomes]
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        mean = percent(statistics.fmean(values))
        rows.append(
            {
                "test images, prompts": label,
                "accuracy (mean ± std)": f"{mean} ± {100 * spread:.1f}",
                "min to max": f"{percent(min(values))} to {percent(max(values))}",
                "chance": percent(_chance(config, key)),
            }
        )
    return rows


def _result(config: ClipDigitsConfig, outcomes, seconds: float) -> Result:
    from learnlab.recipes.clip_digits.figures import accuracy_figure

    summary = _summary(config, outcomes, seconds)
    held = ", ".join(map(str, config.held_out))
    figure = FigureSpec(
        "zero-shot accuracy by prompt",
        accuracy_figure,
        {
            "labels": list(MEASURES.values()),
            "accuracies": [[getattr(o, key) for o in outcomes] for key in MEASURES],
            "chances": [_chance(config, key) for key in MEASURES],
        },
        caption="Each point one seed; a bar's dash is chance for that choice.",
    )
    headline = (
        f"held-out digits {held}: {percent(summary['held_out_by_description'])} by description, "
        f"{percent(summary['held_out_by_name'])} by name (chance "
        f"{percent(1 / len(config.held_out))}); seen {percent(summary['seen_accuracy'])}"
    )
    notes = [
        f"Dual encoder (MLP image encoder, mean-of-word-vectors text encoder, {config.embed_dim}-d "
        f"embeddings) trained with CLIP's symmetric InfoNCE for {config.epochs} epochs (Adam, lr "
        f"{config.lr:g}, batch {config.batch_size}) on the seen digits' training images, each "
        f"with {config.caption_draws} templated captions; digits {held} held out.",
        f"{headline}; {len(outcomes)} seeds. The held-out names were never in a caption: their "
        "word vectors are untrained, so the by-name result is luck (the control); the "
        f"descriptions combine trained segment words. {seconds:.0f} s.",
    ]
    return Result(
        kind=NAME,
        title=f"{NAME}: zero-shot digit classification by text prompts",
        summary=summary,
        notes=notes,
        tables={"zero-shot test accuracy over seeds": _table(config, outcomes)},
        figures=[figure],
        index={"dataset": "digits", "model": "dual encoder"},
        headline=f"[bold]{NAME}[/]: {headline}",
    )
