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

The paper's set-up for Figure 2A (its supplementary table of MNIST hyperparameters): plain
SGD, learning rate 1e-3, no dropout, no early stopping, 2 hidden layers of 400, 20 epochs per
task; no minibatch size, no loss reduction and no lambda for MNIST are given. The default
follows all of it, reading the learning rate as 1e-3 per example: lr 0.1 on the mean loss of a
batch of 100 (the same step as 1e-3 on its sum). Read as 1e-3 on the batch's mean, 20 epochs
under-train (one seed, L2 from [0.001, 0.01], EWC from [100, 1000, 10000], `--set lr=0.001
--set seeds=1 ...`: 712 s of CPU time; plain SGD's validation accuracy after the last of 3
tasks 75.8, 86.4, 89.8%), unlike the paper's figure where every task is learned to near 100%.
The departure: two candidate strengths per penalty and 2 seeds, as 18 trainings of 20 epochs
fill the time limit.

Plain SGD at 20 epochs (seed 0, 5,000 validation images, a trial by a plain training loop on
the same data, network and schedule): task 1 97.8% after task 1, 95.4% after task 2, 86.6%
after task 3 (97.6% on task 3): the old tasks are learned better than at 2 epochs (94.3%) and
forgotten more (mean drop about 5 points against 3.1), and most of the drop comes in the first
epoch of a new task (task 1: 78.4% after one epoch of task 3), partly recovered as it trains on.

Measured at 20 epochs per task (2026-12-06, seeds 0 and 1 each alone, lambda fixed at the
earlier default's validation choice: `learnlab reproduce forgetting --set seed=S --set seeds=1
--set ewc_lambdas=[100] --set l2_lambdas=[0.001]`; 416 and 412 s of CPU time each): mean test
accuracy over the 3 tasks after the last, seed 0 / 1: plain SGD 92.58 / 91.27%, L2 93.44 /
92.44%, EWC 97.59 / 97.64%; EWC - SGD +5.0 / +6.4 points (target +10: NOT met), plain SGD
forgot 5.4 / 6.8 points and EWC almost nothing (task 1 97.95 -> 97.34%, seed 0).

Earlier default (2 epochs per task at lr 0.1, L2 from [0.001, 0.01, 0.1], EWC from
[10, 100, 1000]): trials (plain SGD, seed 0, validation, task 1 / mean after task 3): 1 epoch
at 0.1: 82.6 / 90.1%; 2 epochs at 0.3: 90.6 / 94.4%; 5 epochs at 0.01: 78.2 / 86.6%; 2 epochs
at 0.01, batch 10: 86.1 / 92.2%.

Measured with the earlier default (2 epochs per task, 2026-12-06, `OMP_NUM_THREADS=1 learnlab
reproduce forgetting --run-dir RUN`; 149 s of CPU time on one thread, 19 min of wall time on the
shared 2-core machine): lambda chosen on validation (seed 0): L2 0.001 (of 0.001, 0.01, 0.1),
EWC 100 (of 10, 100, 1000; 1000 diverged during task 2: lr * lambda * F_i > 2). Mean test
accuracy over the 3 tasks after the last, 2 seeds: plain SGD 92.54%, L2 92.84%, EWC 93.76%; EWC
- SGD = +1.2 points (+1.3, +1.2): the issue's +10-point target is NOT met; EWC - L2 = +0.9. Seed
0, task 1 after tasks 1, 2, 3: SGD 94.30, 92.33, 87.54%; EWC 94.30, 94.10, 92.67%; the last
task: SGD 96.14%, EWC 93.78%. Plain SGD forgets little over 3 permuted-MNIST tasks in this
setting, so the mean of 3 tasks leaves no room for 10 points (SGD would have to fall to about
85%). Trials before the default was fixed (one seed, 3 tasks, plain SGD, task 1 after task 3): 2
epochs at lr 0.1, pixels in [0, 1]: 87.5%; 5 epochs: 92.8%; standardised pixels at lr 0.3:
89.7%. `sgd_forgetting_points` in the summary measures that room: plain SGD's mean drop from
right after each task to after the last, the most EWC could gain by forgetting nothing; seed 0
of the run above: 3.1 points (task 1 94.30 -> 87.54, task 2 95.62 -> 93.10), so +10 cannot be
reached over 3 tasks here; EWC gained 1.3 of them.

Ten tasks (`--set tasks=10 --set seeds=1 --set ewc_lambdas=[100] --set l2_lambdas=[0.001]`,
the 3-task choice; 286 s of CPU time): plain SGD forgets 16.1 points (mean 80.23%; task 1
56.26%); EWC at lambda 100 holds 90.74% over the first 7 tasks (SGD there: 86.04%) but
diverges during task 8, as the summed Fisher of 7 anchors passes lr * lambda * sum_t F_t,i > 2
(mean 9.80% after task 10); L2 at 0.001: 65.43%. A strength for 10 tasks must be chosen for
10 tasks (smaller), or the learning rate smaller (the paper's 1e-3 leaves 100x the room).
Chosen on the 10-task validation split from [10, 30] (`--set ewc_lambdas=[10,30]`, 430 s of
CPU time): EWC at 10: 87.20% (task 1 90.4%, task 9 75.0%), +6.97 points over plain SGD (L2
0.001: 65.43%).
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
