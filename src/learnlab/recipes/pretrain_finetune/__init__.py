"""pretrain-finetune: self-supervised pre-training then fine-tuning with few labels (L0, L1).

Part (a): a dense denoising autoencoder (`models.autoencoders`, masking noise,
`objectives.reconstruction`; Vincent, Larochelle, Bengio & Manzagol 2008) is pre-trained on
MNIST images without their labels; its encoder, with a new 10-way head, is then fine-tuned
(`procedures.transfer.fine_tune`, every layer trained) on 100 and on 1,000 labelled images
(class-balanced, drawn from the same pool), against the same classifier trained from random
initialisation on the same labels for the same epochs. Each seed re-draws the labelled
subset, the initialisation and the corruption; the table gives the mean test error over seeds
with its spread.

Part (b) (speakers.py; speaker_data.py says how lines are split): the char-transformer
pre-trained as a next-character model on Tiny Shakespeare without the test lines, once for all
seeds; then, with a mean-pooled linear head, fine-tuned to tell which of the K most frequent
speakers says a line, from 50 and 500 labelled lines, against the same network from scratch, a
character n-gram TF-IDF logistic regression and the majority class.

`parts` chooses the parts (both by default); part (b) runs as the resumable part `speakers/`.
"""

from __future__ import annotations

import statistics
from typing import Any

from learnlab.recipes.context import RunContext
from learnlab.recipes.pretrain_finetune.config import PretrainFinetuneConfig
from learnlab.recipes.pretrain_finetune.training import METHODS
from learnlab.recipes.registry import register_recipe
from learnlab.recipes.seeds import spread_keys
from learnlab.result import FigureSpec, Result, percent

NAME = "pretrain-finetune"


def slug(method: str) -> str:
    return method.replace("-", "_").replace(" ", "_")


@register_recipe(
    NAME,
    "Self-supervised pre-training then fine-tuning with few labels against training from "
    "scratch, over 3 seeds: (a) a denoising autoencoder on MNIST, 100 and 1,000 labels; (b) "
    "the char-transformer on Tiny Shakespeare, telling a line's speaker from 50 and 500 labels",
    PretrainFinetuneConfig,
    quick={
        "unlabelled_size": 300,
        "test_size": 200,
        "label_counts": [20, 100],
        "seeds": 2,
        "code": 8,
        "hidden": [16],
        "pretrain_epochs": 1,
        "finetune_epochs": 2,
        "speaker_label_counts": [10, 50],
        "lm_dim": 16,
        "lm_depth": 1,
        "lm_heads": 2,
        "lm_epochs": 1,
        "lm_steps_per_epoch": 10,
        "lm_warmup_steps": 2,
        "speaker_epochs": 2,
        "progress": False,
    },
)
def run(config: PretrainFinetuneConfig, ctx: RunContext) -> Result:
    from learnlab.recipes.pretrain_finetune.speakers import PART, run_speakers

    result = _denoising(config, ctx) if "denoising" in config.parts else None
    if "speakers" not in config.parts:
        assert result is not None  # the config holds at least one part
        return result
    ctx.console.print(f"[bold]{NAME}[/]: part (b), speakers of Tiny Shakespeare")
    speakers = ctx.part(PART, run_speakers, config, ctx.console)
    return _with_speakers(config, result, speakers)


def _with_speakers(config: PretrainFinetuneConfig, result: Result | None, part: Result) -> Result:
    """Part (b)'s summary and verdict joined to part (a)'s Result (or alone); its table and
    figures show in the page's section of the part (the runner attaches it)."""
    from learnlab.recipes.pretrain_finetune.speaker_result import verdict

    if result is None:
        result = Result(
            kind=NAME,
            title=f"{NAME}: a pre-trained char-transformer fine-tuned to tell speakers",
            summary={"recipe": NAME, "seeds": config.seeds},
            index={"dataset": "tiny-shakespeare", "model": "char-transformer + linear head"},
        )
        result.headline = f"[bold]{NAME}[/]: " + verdict(config, part.summary)
    else:
        result.notes = [n for n in result.notes if not n.startswith("Part (b)")]
    result.add_part("speakers", part)
    result.notes.append(verdict(config, part.summary) + " Its table and figures: under Parts.")
    return result


def _denoising(config: PretrainFinetuneConfig, ctx: RunContext) -> Result:
    from learnlab.recipes.pretrain_finetune.training import load_data, run_seed

    data = load_data(config)
    seeds = []
    for seed in config.seed_list():
        seeds.append(run_seed(config, data, seed))
        shown = "; ".join(
            f"{count} labels: " + ", ".join(f"{m} {percent(errors[m], 2)}" for m in METHODS)
            for count, errors in seeds[-1]["errors"].items()
        )
        ctx.console.print(f"seed {seed}: test error {shown}")
    return _result(config, seeds)


def _summary(config: PretrainFinetuneConfig, seeds: list[dict[str, Any]]) -> dict[str, Any]:
    summary: dict[str, Any] = {"recipe": NAME, "seeds": config.seeds}
    for count in config.label_counts:
        scratch = [s["errors"][count]["from scratch"] for s in seeds]
        for method in METHODS:
            errors = [s["errors"][count][method] for s in seeds]
            key = f"{slug(method)}_{count}_labels_test_error"
            summary[key] = statistics.fmean(errors)
            summary.update(spread_keys(key, errors))
        tuned = [s["errors"][count]["pre-trained encoder"] for s in seeds]
        summary[f"pretrained_wins_{count}_labels"] = sum(
            t < s for t, s in zip(tuned, scratch, strict=True)
        )
    summary["pretrain_loss_nats"] = statistics.fmean(s["pretrain_loss"] for s in seeds)
    return summary


def _rows(config: PretrainFinetuneConfig, summary: dict[str, Any]) -> list[dict[str, str]]:
    rows = []
    for count in config.label_counts:
        for method in METHODS:
            key = f"{slug(method)}_{count}_labels_test_error"
            std = summary.get(f"{key}_std")
            pretrained = method != "from scratch"
            rows.append(
                {
                    "labels": str(count),
                    "method": method,
                    f"mean test error ({config.seeds} seeds)": percent(summary[key], 2),
                    "std": "-" if std is None else f"{100 * std:.2f} points",
                    "min .. max": f"{percent(summary[f'{key}_min'], 2)} .. "
                    f"{percent(summary[f'{key}_max'], 2)}",
                    "seeds better than from scratch": (
                        f"{summary[f'pretrained_wins_{count}_labels']} of {config.seeds}"
                        if pretrained
                        else "-"
                    ),
                }
            )
    return rows


def _verdict(config: PretrainFinetuneConfig, summary: dict[str, Any]) -> str:
    parts = []
    for count in config.label_counts:
        scratch = summary[f"from_scratch_{count}_labels_test_error"]
        tuned = summary[f"pre_trained_encoder_{count}_labels_test_error"]
        gain = "a gain" if tuned < scratch else "NO gain"
        parts.append(
            f"with {count} labels the pre-trained encoder reaches {percent(tuned, 2)} test "
            f"error against {percent(scratch, 2)} from scratch ({gain}; better on "
            f"{summary[f'pretrained_wins_{count}_labels']} of {config.seeds} seeds)"
        )
    return "Measured: " + "; ".join(parts) + "."


def _result(config: PretrainFinetuneConfig, seeds: list[dict[str, Any]]) -> Result:
    from learnlab.recipes.pretrain_finetune.figures import label_budget_figure

    summary = _summary(config, seeds)
    errors = {m: [[s["errors"][c][m] for s in seeds] for c in config.label_counts] for m in METHODS}
    figure = FigureSpec(
        "test error against the number of labels",
        label_budget_figure,
        {"label_counts": list(config.label_counts), "errors": errors},
    )
    return Result(
        kind=NAME,
        title=f"{NAME}: denoising-autoencoder pre-training then fine-tuning, against scratch",
        summary=summary,
        notes=[
            f"Part (a). A 784-{'-'.join(map(str, config.hidden))}-{config.code} denoising "
            f"autoencoder (masking {config.masking:g}) pre-trained for {config.pretrain_epochs} "
            f"epochs on {config.unlabelled_size} unlabelled MNIST images; its encoder plus a "
            f"10-way head fine-tuned (all layers, Adam lr {config.lr:g}, "
            f"{config.finetune_epochs} epochs) against the same network from scratch; test "
            f"error on {config.test_size} test images. " + _verdict(config, summary),
            "Vincent, Larochelle, Bengio & Manzagol (2008), Extracting and composing robust "
            "features with denoising autoencoders; Erhan et al. (2010), Why does unsupervised "
            "pre-training help deep learning?",
        ],
        tables={"test error per label budget and method": _rows(config, summary)},
        figures=[figure],
        index={"dataset": "mnist", "model": "denoising autoencoder encoder + linear head"},
        headline=f"[bold]{NAME}[/]: " + _verdict(config, summary),
    )
