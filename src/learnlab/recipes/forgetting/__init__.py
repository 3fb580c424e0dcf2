"""forgetting: catastrophic forgetting on permuted MNIST and elastic weight consolidation,
reproducing Kirkpatrick et al. (2017, PNAS), "Overcoming catastrophic forgetting in neural
networks", Figure 2A.

One 784-400-400-10 ReLU network learns permuted-MNIST tasks one after the other with plain SGD
(`learnlab.data.permuted_pixels`: task 1 is MNIST, each later task a fixed pixel permutation);
three ways to learn the later tasks: plain SGD, L2 to the weights after each earlier task, and
EWC, the same penalty weighted by the diagonal Fisher of each earlier task
(`learnlab.objectives.consolidation`, `learnlab.analysis.fisher`). Every task's test accuracy
is measured after every task (the tables) and after every epoch (the figure: one panel per
method, one line per task, as the paper's Figure 2A).

The strength lambda of each penalty is chosen on a validation split (the last `val_examples`
MNIST training images, permuted like each task): every candidate strength is a branch from the
shared first task, and the one with the best mean validation accuracy over all tasks after the
last task is kept (on the first seed; later seeds reuse it). The test set is only reported.

Parts: `seed-<s>` for each seed (its own Result: summary, the accuracy tables, the curves), so
`--resume` keeps finished seeds. The summary: per method (`sgd`, `l2`, `ewc`) the mean test
accuracy over all tasks after the last (`<m>_mean_accuracy`, mean over seeds with spreads),
each task's (`<m>_task<k>_accuracy`), the chosen strengths (`l2_lambda`, `ewc_lambda`), and
`ewc_minus_sgd_points` (the issue's target: >= 10) and `ewc_minus_l2_points`.
"""

from __future__ import annotations

from learnlab.recipes.context import RunContext
from learnlab.recipes.forgetting.config import ForgettingConfig
from learnlab.recipes.forgetting.outcome import NAME, result, run_seed
from learnlab.recipes.forgetting.reproduction import REPRODUCTION
from learnlab.recipes.registry import register_recipe
from learnlab.result import Result


@register_recipe(
    NAME,
    "Reproduction: Kirkpatrick et al. (2017), catastrophic forgetting on permuted MNIST; "
    "plain SGD, L2 to the old weights and EWC (diagonal Fisher), every task's accuracy after "
    "every task",
    ForgettingConfig,
    reproduction=REPRODUCTION,
)
def run(config: ForgettingConfig, ctx: RunContext) -> Result:
    seeds = config.seed_list()
    grid = {"sgd": [0.0], "l2": list(config.l2_lambdas), "ewc": list(config.ewc_lambdas)}
    first = ctx.part(f"seed-{seeds[0]}", run_seed, config, seeds[0], grid, ctx.console)
    kept = {
        "sgd": [0.0],
        "l2": [float(first.summary["l2_lambda"])],
        "ewc": [float(first.summary["ewc_lambda"])],
    }
    others = [ctx.part(f"seed-{s}", run_seed, config, s, kept, ctx.console) for s in seeds[1:]]
    return result(config, [first, *others])
