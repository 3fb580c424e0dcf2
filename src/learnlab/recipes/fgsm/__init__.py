"""fgsm: adversarial examples by the fast gradient sign method on MNIST, reproducing
Goodfellow, Shlens & Szegedy (2015), "Explaining and harnessing adversarial examples" (ICLR).

Three `learnlab train` runs, each a part (`softmax/`, `network/`, `adversarial/`: resumed part
by part): softmax regression, an MLP, and the same MLP adversarially trained on
alpha J(x) + (1 - alpha) J(x_adv) with FGSM examples (`TrainConfig.adversarial`). A fourth
part (`attacks/`) attacks each on the test set with `learnlab.analysis.adversarial.fgsm` in
pixel units, at eps = 0.25 and along a curve of budgets. The paper-vs-measured table comes from
the Reproduction; the targets of the issue are checked here:

- softmax regression errs on at least 90% of the FGSM examples;
- adversarial training at least halves the network's FGSM error, while its clean test error
  rises by at most 0.3 points.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from learnlab.recipes.context import RunContext
from learnlab.recipes.fgsm.config import MODELS, FgsmConfig, train_config
from learnlab.recipes.fgsm.reproduction import PAPER, REPRODUCTION
from learnlab.recipes.registry import register_recipe
from learnlab.result import Result

NAME = "fgsm"
SOFTMAX_ERROR_TARGET = 90.0  # percent, at least
CLEAN_RISE_TARGET = 0.3  # points, at most


@register_recipe(
    NAME,
    "Reproduction: FGSM adversarial examples on MNIST (softmax regression, an MLP, the MLP "
    "adversarially trained), next to Goodfellow, Shlens & Szegedy (2015)",
    FgsmConfig,
    reproduction=REPRODUCTION,
    train_configs=lambda config: [train_config(config, key) for key in MODELS],
)
def run(config: FgsmConfig, ctx: RunContext) -> Result:
    from learnlab.recipes.fgsm.evaluation import attack_models, load_test_pixels

    models = {key: _trained(key, config, ctx) for key in MODELS}
    ctx.console.print(f"[bold]{NAME}[/]: FGSM on the test set")
    attacks = ctx.part("attacks", attack_models, models, load_test_pixels(config), config)
    result = Result(
        kind=NAME,
        title=f"{NAME}: adversarial examples on MNIST (eps = {config.eps:g})",
        summary={"recipe": NAME},
        index={"dataset": "mnist", "model": "mlp"},
    )
    for key in MODELS:
        result.add_part(key, ctx.parts[key], merge_summary=False)
    result.add_part("attacks", attacks)
    result.tables = dict(attacks.tables)
    result.figures = list(attacks.figures)
    _targets(result.summary)
    result.notes = _notes(config, result.summary)
    s = result.summary
    result.headline = (
        f"[bold]{NAME}[/]: FGSM error at eps {config.eps:g}: softmax "
        f"{s['softmax_fgsm_error']:.1f}%, network {s['network_fgsm_error']:.1f}%, "
        f"adversarially trained {s['adversarial_fgsm_error']:.1f}% (clean "
        f"{s['network_clean_error']:.2f}% -> {s['adversarial_clean_error']:.2f}%); targets "
        f"{'met' if s['targets_met'] else 'NOT met'}"
    )
    return result


def _trained(key: str, config: FgsmConfig, ctx: RunContext) -> nn.Module:
    """Train model `key` as a part (read back on --resume) and return it in eval mode."""
    from learnlab.models.saved import load_model

    ctx.console.print(f"[bold]{NAME}[/]: training the {MODELS[key]}")
    part = ctx.train(key, train_config(config, key), title=f"{NAME}, {MODELS[key]}", report=False)
    saved = part.models.get("model")
    model = saved.module if saved is not None else load_model(ctx.part_dir(key))
    return model.cpu().eval()


def _targets(summary: dict[str, Any]) -> None:
    """The issue's targets, each a boolean of the summary, and all of them together."""
    rise = summary["adversarial_clean_error"] - summary["network_clean_error"]
    summary["clean_error_rise_points"] = rise
    summary["target_softmax_error"] = summary["softmax_fgsm_error"] >= SOFTMAX_ERROR_TARGET
    summary["target_halved"] = summary["adversarial_fgsm_error"] <= (
        summary["network_fgsm_error"] / 2
    )
    summary["target_clean_rise"] = rise <= CLEAN_RISE_TARGET
    summary["targets_met"] = all(
        summary[k] for k in ("target_softmax_error", "target_halved", "target_clean_rise")
    )


def _notes(config: FgsmConfig, s: dict[str, Any]) -> list[str]:
    def verdict(key: str) -> str:
        return "met" if s[key] else "NOT met"

    return [
        f"Reproduction of {PAPER.citation()}. The paper's numbers come from two maxout "
        "networks: 89.4% FGSM error (97.6% confidence) and 0.94% -> 0.84% clean error with "
        "adversarial training are the 240-unit network's; 17.9% FGSM error and 0.782% clean "
        "error are a larger 1600-unit network's, adversarially trained and early-stopped on "
        "adversarial validation error. Ours are one 240-unit ReLU MLP trained both ways.",
        f"Target: softmax regression errs on >= {SOFTMAX_ERROR_TARGET:g}% of the FGSM "
        f"examples: {s['softmax_fgsm_error']:.1f}%, {verdict('target_softmax_error')}.",
        f"Target: adversarial training at least halves the network's FGSM error: "
        f"{s['network_fgsm_error']:.1f}% -> {s['adversarial_fgsm_error']:.1f}%, "
        f"{verdict('target_halved')}; while its clean error rises by at most "
        f"{CLEAN_RISE_TARGET:g} points: {s['network_clean_error']:.2f}% -> "
        f"{s['adversarial_clean_error']:.2f}% ({s['clean_error_rise_points']:+.2f}), "
        f"{verdict('target_clean_rise')}.",
        "The adversarially trained network's FGSM error is lowest near the eps it was "
        f"trained at ({s['adversarial_fgsm_error']:.1f}% at {config.eps:g}; the curve shows "
        "the smaller budgets): one-step FGSM training fits the FGSM step itself, so this is "
        "robustness to FGSM, not to stronger attacks (learnlab.analysis.adversarial.pgd at the "
        "same eps finds far more errors).",
        f"Confidence: the mean probability a model gives its wrong answer on the FGSM examples "
        f"it gets wrong. Attacks in pixel units (images in [0, 1], eps = {config.eps:g}), the "
        "model's own normalisation applied after the perturbation.",
    ]
