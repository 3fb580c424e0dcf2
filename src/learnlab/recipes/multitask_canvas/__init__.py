"""multitask-canvas: multitask learning of classification plus localisation (lecture 000),
MNIST digits pasted at random on a 64x64 canvas.

One shared trunk (a small CNN) with a class head and a box head, trained with the two losses
averaged (the lecture: "Objective function combines losses from both predictions, e.g. by
averaging") and with the homoscedastic-uncertainty weighting of Kendall, Gal & Cipolla (2018),
against the two single-task networks of the same trunk (classification only, box only). For
each seed every network starts from the same trunk weights; the table gives test accuracy
and mean IoU (mean and spread over the seeds) and the paired per-seed differences of each
multitask network against the single-task one; the figure shows test canvases with the true
and predicted boxes. Objective: `learnlab.objectives.multitask`; data:
`learnlab.data.canvas`; IoU: `learnlab.metrics.boxes`.

Resume: the run has no parts; `--resume` runs it again.

Measured (default config, 2026-12-06, `OMP_NUM_THREADS=1 learnlab run multitask-canvas
--set progress=false`, 3 seeds, 286 s of user CPU time, 18 min wall on a shared machine):
test accuracy class-only 67.5% ± 7.0 (std over seeds), average 52.8% ± 12.0, uncertainty
56.2% ± 13.9; mean IoU box-only 0.778 ± 0.007, average 0.527 ± 0.038, uncertainty 0.526 ±
0.027. At this budget (6,000 canvases, 5 epochs, a small trunk) sharing the trunk costs both
tasks (paired against the single-task networks, more than two standard errors on every
score); the learned log-variances moved only to s_class = 0.32 and s_box = -0.48.
"""

from __future__ import annotations

import time

from learnlab.recipes.context import RunContext
from learnlab.recipes.multitask_canvas.config import MultitaskCanvasConfig
from learnlab.recipes.registry import register_recipe
from learnlab.result import Result

NAME = "multitask-canvas"


@register_recipe(
    NAME,
    "multitask: MNIST digits on a 64x64 canvas, one trunk with a class head and a box head "
    "(losses averaged, or weighted by learned uncertainty) against the single-task networks",
    MultitaskCanvasConfig,
    quick={
        "canvas": 32,
        "limit_train": 128,
        "limit_test": 64,
        "channels": [4, 8],
        "width": 16,
        "epochs": 1,
        "seeds": 3,
        "examples_shown": 3,
    },
)
def run(config: MultitaskCanvasConfig, ctx: RunContext) -> Result:
    from learnlab.recipes.multitask_canvas.experiment import load_task, train_network
    from learnlab.recipes.multitask_canvas.outcome import multitask_result

    start = time.perf_counter()
    task = load_task(config)
    runs = []
    for seed in config.seed_list():
        for method in config.methods():
            runs.append(train_network(config, task, method, seed))
            scores = [
                f"{k} {runs[-1][k]:.4f}" for k in ("accuracy", "iou") if runs[-1][k] is not None
            ]
            ctx.console.print(f"  seed {seed}, {method}: test {', '.join(scores)}")
    return multitask_result(config, task, runs, time.perf_counter() - start)
