"""moe-cascade: lecture 004's ways of giving a model flexibility, and lecture 001's siamese and
multiplicative layers, each shown on a task that suits it.

Papers. Jacobs, Jordan, Nowlan & Hinton (1991), "Adaptive mixtures of local experts" (soft
gating); Shazeer et al. (2017), "Outrageously large neural networks: the sparsely-gated
mixture-of-experts layer" (top-k gating); Fedus, Zoph & Shazeer (2022), "Switch Transformers"
(the balancing loss); Viola & Jones (2001), "Rapid object detection using a boosted cascade of
simple features" (the cascade); Bromley, Guyon, LeCun, Säckinger & Shah (1993), "Signature
verification using a 'siamese' time delay neural network", Hadsell, Chopra & LeCun (2006),
"Dimensionality reduction by learning an invariant mapping" and Koch, Zemel & Salakhutdinov
(2015), "Siamese neural networks for one-shot image recognition" (the siamese part); Tenenbaum
& Freeman (2000), "Separating style and content with bilinear models" (the bilinear part).

Four parts, each a module with its own config and a function `(config, shared, console) ->
Result` (`shared`: the recipe's config, for the seed, the data and the progress switch):
`mixture` (soft and top-k mixtures of experts on MNIST, with the balancing loss on and off;
mixture.py), `cascade` (a cheap high-recall stage in front of an expensive CNN; cascade.py),
`siamese` (one-shot classification of unseen digits; siamese.py, oneshot.py) and `bilinear`
(a bilinear layer against additive models on a gated task; bilinear.py). The recipe runs them
in that order, each as a part in its own subdirectory; the parent's summary.json has every
part's summary keys (`moe_*`, `cascade_*`, `siamese_*`, `bilinear_*`) plus `part_seconds` and
`torch_threads`, and its report shows every part's notes, tables and figures. `parts` picks a
subset (e.g. `--set 'parts=["cascade"]'`). Resume: `--resume` keeps finished parts and reruns
the others.

Measured (default config, 1 torch thread, 2026-12-06, on a heavily shared 2-core machine, about
110 s for the whole recipe; the old code gave the same numbers that day): MNIST test accuracy
97.00% dense, 97.05% soft, 96.21% top-1 of 8 with the balancing loss (largest expert load
17%), 97.16% without it (all examples on one expert); top-1 steps 11 to 13 ms against 31 to
34 ms for soft. Cascade for digit 3: recall 98.1%, precision 99.1%, F1 98.6% (CNN alone
98.7%) with 25.4% of the test images reaching the CNN (27.8% of its FLOPs, a quarter of its
time). Siamese one-shot on the unseen digits 55.1% (pixels 56.6%), on seen digits 81.3%
(pixels 53.1%); bilinear layer 95.8% against 78.8% for the matched MLP.

At inference (mixture.py and cascade.py through inference.py; the same default run's models,
rerun 2026-12-06 with the same numbers above, 71 s of CPU time on a machine shared by ~9
sessions; FLOPs 2 per multiply-add, ms per example the median of interleaved one-thread passes
over the 10,000 test images): dispatching the top-1 model by gate costs 215,808 FLOPs against
1,638,656 for running all 8 experts (7.6x fewer, 3.9x less time, the same outputs) and 7.6x
fewer FLOPs and 4.0x less time than soft gating at -0.84 points of accuracy; serving the
soft-trained mixture top-1 loses 2.38 points. Against the dense MLP of the same active
parameters top-1 saves nothing (1.06x the FLOPs, 0.55x the time: the routing costs more than
it spares). The cascade (threshold chosen on validation data, where it keeps 99.07% of the
positives) needs 3.6x fewer FLOPs and 4.2x less time than the CNN alone at -0.02 points of
accuracy (99.72% against 99.74%).
"""

from __future__ import annotations

from typing import Any

from learnlab.recipes.context import RunContext
from learnlab.recipes.moe_cascade.config import MoeCascadeConfig, check
from learnlab.recipes.registry import register_recipe
from learnlab.result import Result

NAME = "moe-cascade"

# a run of seconds: every part on a few hundred examples for an epoch or a few steps
QUICK: dict[str, Any] = {
    "progress": False,
    "mixture": {
        "limit_train": 600,
        "epochs": 1,
        "experts": 4,
        "hidden": 8,
        "inference_repeats": 1,
    },
    "cascade": {
        "limit_train": 800,
        "val_size": 300,
        "limit_test": 400,
        "cheap_epochs": 1,
        "expensive_epochs": 1,
        "timing_repeats": 1,
    },
    "siamese": {
        "train_images": 300,
        "steps": 5,
        "batch_pairs": 16,
        "test_images": 100,
        "episodes": 20,
        "figure_episodes": 1,
    },
    "bilinear": {
        "train_examples": 200,
        "test_examples": 100,
        "epochs": 2,
        "mlp_size_multiples": [1, 2],
    },
}


def _part_function(name: str):
    """The function that runs part `name` (its module is imported when the part runs)."""
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{name}"), f"run_{name}")


@register_recipe(
    NAME,
    "Mixture of experts (soft and top-k gating, balancing loss), a cascade of a cheap "
    "high-recall and an expensive precise classifier, siamese and bilinear models",
    MoeCascadeConfig,
    quick=QUICK,
)
def run(config: MoeCascadeConfig, ctx: RunContext) -> Result:
    import torch

    check(config)
    result = Result(
        kind=NAME,
        title=f"{NAME}: mixtures of experts, cascades, siamese and bilinear models",
        summary={"recipe": NAME, "parts": list(config.parts)},
        notes=[
            "Each part below is an experiment of its own, with its own data, models and "
            "report (linked under its title); the summary gathers their keys."
        ],
        index={"dataset": "mnist", "model": "moe-mlp"},
    )
    part_seconds = {}
    for name in config.parts:
        ctx.console.rule(f"[bold]{NAME}[/]: {name}")
        part = ctx.part(name, _part_function(name), getattr(config, name), config, ctx.console)
        part_seconds[name] = _merge(result, name, part)
    result.summary["part_seconds"] = part_seconds
    result.summary["torch_threads"] = torch.get_num_threads()  # timings depend on it
    result.headline = f"[bold]{NAME}[/]: parts {', '.join(config.parts)} in " + ", ".join(
        f"{k} {v:.1f}s" for k, v in part_seconds.items()
    )
    return result


def _merge(result: Result, name: str, part: Result) -> float:
    """Attach `part` and add its summary keys to the parent's, all but its own `seconds`
    (gathered in `part_seconds`; read from the part, so a part kept by --resume reports the
    time it took when it ran). Returns those seconds, rounded to 0.01."""
    result.add_part(name, part, merge_summary=False)
    keys = {k: v for k, v in part.summary.items() if k != "seconds"}
    clash = sorted(set(keys) & set(result.summary))
    if clash:
        raise ValueError(f"part {name!r} repeats summary keys {clash}")
    result.summary.update(keys)
    return round(part.summary["seconds"], 2)
