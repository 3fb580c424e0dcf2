"""interpolation: the loss along straight lines in parameter space, reproducing Goodfellow,
Vinyals & Saxe (2015), "Qualitatively characterizing neural network optimization problems"
(ICLR 2015).

The paper evaluates the cost at theta(a) = (1 - a) theta_0 + a theta_1 from a network's
initialisation theta_0 to the solution SGD found, theta_1, and finds that it falls
monotonically ("a variety of state of the art neural networks never encounter any significant
obstacles"). The recipe trains two ReLU MLPs on MNIST from different seeds, draws the
training and test loss and accuracy along the line from the first one's initialisation to its
solution (the largest rise on the way, 0 when monotone, is the claim) and along the line
between the two solutions (the barrier: the highest loss between them minus the mean of the
two ends), and the loss on a plane of two filter-normalised random directions around the first
solution (Li et al. 2018) as a contour plot. The tools are learnlab.analysis.landscape's.

Measured (default config, 2026-12-06, `OMP_NUM_THREADS=1 learnlab reproduce interpolation`
on a shared 2-core machine: 47 s of user CPU time, 4.5 minutes of wall time under load;
training 122 s and the scans 125 s of wall time): test accuracy 97.90% and 98.08% for the two
seeds; from initialisation to solution the training loss falls monotonically from 2.314 to
0.0083 (largest rise 0; the test loss rises by 0.027 near the solution, where the network
starts to overfit); between the two solutions the training loss rises by 0.511 over the mean
of the ends (the test loss by 0.453), 6.3 and 6.4 points of training and test error; the plane
ranges from 0.0076 to 1.68 (centre 0.0094).

Resume: each seed's initial and final weights are written to the run directory when it
finishes training, and each scan writes its finished points as it goes; `--resume` trains no
finished seed again and continues each scan where it stopped.
"""

from __future__ import annotations

import time

from learnlab.recipes.context import RunContext
from learnlab.recipes.interpolation.config import InterpolationConfig
from learnlab.recipes.interpolation.reproduction import REPRODUCTION
from learnlab.recipes.registry import register_recipe
from learnlab.result import Result

NAME = "interpolation"


@register_recipe(
    NAME,
    "Reproduction: the loss along the line from initialisation to solution falls "
    "monotonically (Goodfellow, Vinyals & Saxe 2015); the barrier between two seeds' "
    "solutions; a filter-normalised contour around a solution (MNIST, ReLU MLPs)",
    InterpolationConfig,
    reproduction=REPRODUCTION,
)
def run(config: InterpolationConfig, ctx: RunContext) -> Result:
    from learnlab.recipes.interpolation.experiment import (
        evaluation_data,
        load_mnist,
        read_solution,
        train_seed,
    )
    from learnlab.recipes.interpolation.result import build_result
    from learnlab.recipes.interpolation.scans import scan_lines, scan_plane

    data = load_mnist(config)
    seeds = (config.seed, config.seed + 1)
    train_seconds = 0.0
    for seed in seeds:
        part = ctx.part(f"seed-{seed}", train_seed, config, data, seed, ctx.run_dir, ctx.console)
        train_seconds += float(part.summary["train_seconds"])
    first, second = (read_solution(ctx.run_dir, seed) for seed in seeds)
    batches = evaluation_data(config, data)
    started = time.perf_counter()
    lines = scan_lines(config, first, second, batches, ctx.run_dir, ctx.console)
    plane = scan_plane(config, first, batches, ctx.run_dir, ctx.console)
    timing = {"train_seconds": train_seconds, "scan_seconds": time.perf_counter() - started}
    return build_result(config, lines, plane, timing)
