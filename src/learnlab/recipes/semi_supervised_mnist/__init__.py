"""semi-supervised-mnist: MNIST with 100 labels (10 per digit, drawn by the seed), the other
training images unlabelled (lecture L3: semi-supervised learning). Three methods train the same
LeNet-5 from the same initial weights for the same Adam steps:

- labelled only: cross-entropy on the 100 labelled images (the baseline);
- pseudo-labelling (Lee 2013): confident predictions on unlabelled images as their targets,
  with a threshold and a weight ramped up from 0 (`learnlab.objectives.semi_supervised`);
- virtual adversarial training (Miyato et al. 2018), with the entropy term of VAT + EntMin:
  the KL between the predictions at x and at x + r_adv, r_adv found by power iteration. VAT
  was picked over mean teacher because it needs no augmentation and, per step, only two
  extra forward/backward passes, which fits the CPU budget.

Each seed is a part (`seed-<s>`, kept by `--resume`): its own labelled draw, batch order and
initial weights. The best method is the one with the lowest validation error (the last 5,000
MNIST training images, labelled, held out); the test set chooses nothing. The published numbers
(Ladder networks, VAT) are printed beside ours in a table of their own: they come from larger
networks trained much longer.

Measured (default config, 2026-12-06, `OMP_NUM_THREADS=1 learnlab run semi-supervised-mnist
--run-dir RUN --set progress=false`; 412 s of user CPU time on one thread, 23 min wall on the
shared, heavily loaded 2-core machine): test error, mean +- std over seeds 0-2, labelled only
20.00 +- 2.49% (17.74, 22.67, 19.60), pseudo-labelling 16.33 +- 0.71% (15.89, 17.15, 15.95),
VAT 4.80 +- 0.85% (4.48, 4.16, 5.76); VAT is the best on validation (4.29%) and meets the
target (<= 5%) on the mean, not on every seed (seed 2: 5.76%). Pseudo-labelling gains 3.7
points over the baseline, VAT 15.2; both stay far from the published 1.06% (Ladder) and 1.36%
(VAT), whose networks train for far longer.
"""

from __future__ import annotations

from learnlab.recipes.context import RunContext
from learnlab.recipes.registry import register_recipe
from learnlab.recipes.semi_supervised_mnist.config import SemiSupervisedConfig
from learnlab.result import Result

NAME = "semi-supervised-mnist"


@register_recipe(
    NAME,
    "Semi-supervised MNIST with 100 labels: labelled-only LeNet-5 against pseudo-labelling and "
    "VAT on the unlabelled rest, 3 seeds",
    SemiSupervisedConfig,
    quick={
        "labels_per_class": 2,
        "limit_unlabelled": 200,
        "val_examples": 100,
        "limit_test": 100,
        "steps": 4,
        "eval_every": 2,
        "ramp_start": 0,
        "ramp_end": 2,
        "seeds": 2,
    },
)
def run(config: SemiSupervisedConfig, ctx: RunContext) -> Result:
    from learnlab.recipes.semi_supervised_mnist.outcome import result
    from learnlab.recipes.semi_supervised_mnist.training import train_seed

    seeds = []
    for seed in config.seed_list():
        part = ctx.part(f"seed-{seed}", train_seed, config, seed)
        if config.progress:
            ctx.console.print(
                f"{NAME}: seed {seed}: "
                + ", ".join(
                    f"{k.removesuffix('_test_error')} {100 * v:.2f}%"
                    for k, v in part.summary.items()
                    if k.endswith("_test_error")
                )
            )
        seeds.append(part)
    return result(config, seeds)
