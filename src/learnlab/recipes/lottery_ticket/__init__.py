"""lottery-ticket: iterative magnitude pruning of LeNet-300-100 on MNIST finds winning tickets,
reproducing Frankle & Carbin (ICLR 2019), "The lottery ticket hypothesis: finding sparse,
trainable neural networks" (Section 2, Figures 3 and 4).

The tool is `learnlab.analysis.lottery` (masks: `learnlab.analysis.pruning`): for each seed,
the ticket (the pruned network reset to theta_0) is trained at every level Pm of 15 rounds of
pruning (20% of each hidden layer's remaining weights per round, 10% of the output layer's);
a random re-initialisation of its structure and a random pruning of theta_0 with the same
layer-wise sparsity are trained beside it at the levels the claims read (`control_levels`:
Pm = 21.1, 13.5, 7.0, 3.6%; "every" for all rounds, as the paper), a round's members as one
batched ensemble. Each reports the iteration of its minimum validation loss (early stopping)
and its test accuracy there; a minimum at the iteration cap is censored (a lower bound).

The paper trains 50,000 iterations per round; here each round trains `iterations` (4,000 by
default, about 4.4 epochs) so that the 16 rounds fit the time limit (see reproduction.py).

Measured (default config, 2026-12-06, `OMP_NUM_THREADS=1 learnlab reproduce lottery-ticket
--run-dir RUN`; 507 s of user CPU time on one thread, 16 min 52 s of wall time on the shared
2-core machine): dense 97.83% at early stop, iteration 3167 (seeds 2500 to 3750; none at the
cap). Tickets at Pm = 21.1%, 16.9%, 13.5%: 98.10%, 98.12%, 98.19% (+0.27, +0.29, +0.36
points; paper +0.3 at 13.5%), stopping at iterations 1667, 1667, 1750 (44% earlier at 21.1%,
seeds 20% to 67%; paper 38%), no ticket there at the cap; at 3.6%: 98.02% (+0.19), iteration
3750 (1 of 3 at the cap). Random reinit at 21.1%, 13.5%, 7.0%, 3.6%: 97.61%, 97.38%, 96.71%,
96.08% (the ticket ahead by 1.39 points at 7.0%, seeds 1.27 to 1.49, target >= 1); random
pruning 97.20%, 96.57%, 95.44%, 93.78%; the controls stop at 3667 to 3917, 1 or 2 of their 3
seeds at the cap (censored). All three of the issue's targets are met.

Resume: the recipe is one computation of a few minutes; `--resume` runs it again.
"""

from __future__ import annotations

from learnlab.recipes.context import RunContext
from learnlab.recipes.lottery_ticket.config import LotteryTicketConfig
from learnlab.recipes.lottery_ticket.outcome import NAME, result
from learnlab.recipes.lottery_ticket.reproduction import REPRODUCTION
from learnlab.recipes.registry import register_recipe
from learnlab.result import Result


@register_recipe(
    NAME,
    "Reproduction: Frankle & Carbin (2019), lottery tickets; iterative magnitude pruning of "
    "LeNet-300-100 on MNIST against random re-initialisation and random pruning",
    LotteryTicketConfig,
    reproduction=REPRODUCTION,
)
def run(config: LotteryTicketConfig, ctx: RunContext) -> Result:
    import time

    from learnlab.analysis.lottery import (
        control_rounds_at,
        iterative_magnitude_pruning,
        lenet_300_100,
    )

    start = time.perf_counter()  # the runner has set torch's threads from config.threads
    rates = {"rate": config.prune_rate, "output_rate": config.output_prune_rate}
    control_rounds = None
    if config.control_levels != "every":
        control_rounds = control_rounds_at(
            lenet_300_100, config.control_levels, config.rounds, **rates
        )
    sweep = iterative_magnitude_pruning(
        lenet_300_100,
        _data(config),
        config.seed_list(),
        rounds=config.rounds,
        iterations=config.iterations,
        eval_every=config.eval_every,
        batch_size=config.batch_size,
        lr=config.lr,
        **rates,
        rewind_iteration=config.rewind_iteration,
        controls=config.controls,
        control_rounds=control_rounds,
        progress=ctx.console.print if config.progress else None,
    )
    return result(config, sweep, time.perf_counter() - start)


def _data(config: LotteryTicketConfig):
    """MNIST in [0, 1]: the last `validation` training images validate, the first of the rest
    (all, or `limit_train`) train; the test set (or its first `limit_test`) tests."""
    from learnlab.analysis.lottery import PruningData
    from learnlab.data import load_dataset

    ds = load_dataset("mnist", root=config.data_root, download=config.download)
    x, y = ds.train.x.float().div(255), ds.train.y.long()
    cut = len(x) - config.validation
    train = slice(0, min(cut, config.limit_train or cut))
    test = slice(0, config.limit_test or len(ds.test.x))
    return PruningData(
        x[train],
        y[train],
        x[cut:],
        y[cut:],
        ds.test.x[test].float().div(255),
        ds.test.y[test].long(),
    )
