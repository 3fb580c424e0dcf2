"""Part "words" end to end: embed the descriptions and the class names once per run, train one
encoder per (split, seed, texts), and publish the comparison (descriptions against names
against chance) with spreads over all (split, seed) runs, the similarity and confusion figures."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import torch

from learnlab.result import FigureSpec, Result, percent

NAME = "zero-shot"
TEXTS = ("descriptions", "names")
MEASURES = ("unseen_accuracy", "seen_accuracy", "gzsl_unseen", "gzsl_seen", "gzsl_harmonic")
LABELS = {
    "unseen_accuracy": "unseen accuracy (among unseen)",
    "seen_accuracy": "seen accuracy (among seen)",
    "gzsl_unseen": "generalized: unseen (among all 10)",
    "gzsl_seen": "generalized: seen (among all 10)",
    "gzsl_harmonic": "generalized: harmonic mean",
}


def class_embeddings(config, run_dir: Path | None) -> dict[str, torch.Tensor]:
    """{"descriptions": (10, d), "names": (10, d)}, embedded in one load of the model and
    cached in the run directory."""
    from learnlab.recipes.zero_shot.fashion_text import FASHION_DESCRIPTIONS, FASHION_NAME_PROMPTS
    from learnlab.recipes.zero_shot.sentence_embeddings import embed_sentences

    sentences = FASHION_DESCRIPTIONS + FASHION_NAME_PROMPTS
    vectors = embed_sentences(config.text_encoder_module, sentences, run_dir)
    return {"descriptions": vectors[:10], "names": vectors[10:]}


def run_words(config, run_dir: Path | None) -> Result:
    import time

    from learnlab.recipes.zero_shot.words import (
        draw_class_splits,
        load_fashion,
        train_and_test_words,
    )

    start = time.perf_counter()
    splits = draw_class_splits(config.unseen_classes, config.splits, config.seed)
    embeddings = class_embeddings(config, run_dir)
    data = load_fashion(
        config.data_root, config.download, config.train_per_class, config.test_per_class
    )
    outcomes = [
        train_and_test_words(data, embeddings[texts], texts, unseen, seed, config)
        for unseen in splits
        for seed in config.seed_list()
        for texts in TEXTS
    ]
    return words_result(config, outcomes, embeddings, time.perf_counter() - start)


def _summary(config, outcomes, seconds: float) -> dict[str, Any]:
    from learnlab.recipes.seeds import spread_keys

    summary: dict[str, Any] = {"recipe": NAME, "part": config.part}
    summary["chance_unseen"] = 1 / config.unseen_classes
    for texts in TEXTS:
        runs = [o for o in outcomes if o.texts == texts]
        for measure in MEASURES:
            key = f"{texts}_{measure}"
            values = [getattr(o, measure) for o in runs]
            summary[key] = statistics.fmean(values)
            summary.update(spread_keys(key, values))
    runs = len(outcomes) // len(TEXTS)
    summary.update(splits=config.splits, seeds=config.seeds, runs=runs, seconds=seconds)
    chance = summary["chance_unseen"]
    summary["descriptions_minus_chance"] = summary["descriptions_unseen_accuracy"] - chance
    summary["descriptions_minus_names"] = (
        summary["descriptions_unseen_accuracy"] - summary["names_unseen_accuracy"]
    )
    return summary


def _mean_std(values: list[float]) -> str:
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{percent(statistics.fmean(values))} ± {100 * spread:.1f}"


def _tables(config, outcomes) -> dict[str, list[dict[str, str]]]:
    from learnlab.recipes.zero_shot.fashion_text import FASHION_CLASSES

    overall = [
        {"class texts": texts}
        | {
            LABELS[m]: _mean_std([getattr(o, m) for o in outcomes if o.texts == texts])
            for m in MEASURES
        }
        for texts in TEXTS
    ]
    overall.append(
        {"class texts": "chance", LABELS["unseen_accuracy"]: percent(1 / config.unseen_classes)}
    )
    per_split = []
    for unseen in dict.fromkeys(o.unseen for o in outcomes):
        row = {"unseen classes": ", ".join(FASHION_CLASSES[c] for c in unseen)}
        for texts in TEXTS:
            values = [
                o.unseen_accuracy for o in outcomes if o.unseen == unseen and o.texts == texts
            ]
            row[f"unseen accuracy ({texts})"] = _mean_std(values)
        per_split.append(row)
    return {
        "unseen and seen accuracy, mean ± std over (split, seed) runs": overall,
        "unseen-class accuracy per split (mean ± std over seeds)": per_split,
    }


def _figures(outcomes, embeddings: dict[str, torch.Tensor]) -> list[FigureSpec]:
    from learnlab.recipes.zero_shot.fashion_text import FASHION_CLASSES
    from learnlab.recipes.zero_shot.figures import text_similarity_figure, unseen_confusion_figure

    similarity = {texts: (e @ e.T).tolist() for texts, e in embeddings.items()}
    confusion = torch.stack(
        [torch.tensor(o.confusion) for o in outcomes if o.texts == "descriptions"]
    ).sum(0)
    return [
        FigureSpec(
            "similarity of the embedded class texts",
            text_similarity_figure,
            {"classes": list(FASHION_CLASSES), **similarity},
            caption="Cosine similarity of the ten classes' sentence embeddings (all-MiniLM-L6-v2).",
        ),
        FigureSpec(
            "unseen-class confusion (descriptions)",
            unseen_confusion_figure,
            {"classes": list(FASHION_CLASSES), "confusion": confusion.tolist()},
            caption="Unseen test images by the most similar description among the split's unseen "
            "classes, summed over splits and seeds, % of each row.",
        ),
    ]


def words_result(config, outcomes, embeddings: dict[str, torch.Tensor], seconds: float) -> Result:
    summary = _summary(config, outcomes, seconds)
    headline = (
        f"unseen Fashion-MNIST classes {percent(summary['descriptions_unseen_accuracy'])} from "
        f"descriptions, {percent(summary['names_unseen_accuracy'])} from names (chance "
        f"{percent(summary['chance_unseen'])}) over {config.splits} splits x {config.seeds} seeds"
    )
    notes = [
        f"Fashion-MNIST: {config.splits} splits of {config.unseen_classes} unseen classes, "
        f"{config.seeds} seeds each. A conv4 encoder (width {config.width}) trained "
        f"{config.words_epochs} epochs (Adam, lr {config.lr:g}) on {config.train_per_class} "
        "training images of each seen class to match its class text embedded by "
        f"{config.text_encoder_module} (cosine softmax over the seen classes, temperature "
        f"{config.temperature:g}); tested on {config.test_per_class} test images per class.",
        f"{headline}. Generalized zero-shot (among all ten): unseen "
        f"{percent(summary['descriptions_gzsl_unseen'])}, seen "
        f"{percent(summary['descriptions_gzsl_seen'])} (descriptions). Nothing was tuned on test "
        f"images. {seconds:.0f} s.",
    ]
    return Result(
        kind=NAME,
        title=f"{NAME}: Fashion-MNIST classes never seen in training, recognised from words",
        summary=summary,
        notes=notes,
        tables=_tables(config, outcomes),
        figures=_figures(outcomes, embeddings),
        index={"dataset": "fashion-mnist", "model": "conv4 to sentence embeddings"},
        headline=f"[bold]{NAME}[/]: {headline}",
    )
