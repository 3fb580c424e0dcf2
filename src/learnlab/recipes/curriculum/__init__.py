"""curriculum: curriculum learning against the plain schedule at equal steps (Bengio et al.
2009; pacing and teacher scoring as in Hacohen & Weinshall 2019), on a task where a curriculum
plausibly helps: training labels with noise (40% of MNIST's by default).

A teacher (the same model trained plainly for a few epochs on the noisy training set) scores
each training example by its loss: networks fit clean examples before noisy ones (Arpit et
al. 2017), so the noisy labels tend to score hard. Then, for each seed, four students from the
same initialisation train for exactly `steps` batches: "plain" (uniform batches from all the
data), "curriculum" (easiest first, the pacing function letting harder examples in until all
are available at `ramp_fraction` of the steps), "anti-curriculum" (hardest first, the same
pacing) and "random-order" (the same pacing over a random order: does the pacing alone, fewer
distinct examples early, explain a difference?). Learning curves are validation errors on
clean labels; the verdict reads the paired per-seed differences of the test errors.

Resume: the run takes about a minute of CPU time and has no parts; `--resume` runs it again.
"""

from __future__ import annotations

import time
from typing import Any

from learnlab.recipes.context import RunContext
from learnlab.recipes.curriculum.config import CurriculumConfig
from learnlab.recipes.curriculum.outcome import curriculum_result
from learnlab.recipes.registry import register_recipe
from learnlab.result import Result

NAME = "curriculum"


@register_recipe(
    NAME,
    "curriculum learning (easiest first by a teacher's loss, paced) against the plain schedule, "
    "anti-curriculum and a random-order control at equal steps, on noisy MNIST labels",
    CurriculumConfig,
    quick={
        "dataset": "digits",
        "model_options": {"width": 32, "depth": 1},
        "steps": 40,
        "evaluations": 2,
        "teacher_epochs": 1,
        "seeds": 3,
    },
)
def run(config: CurriculumConfig, ctx: RunContext) -> Result:
    from learnlab.recipes.curriculum.experiment import (
        load_task,
        pacing_of,
        teacher_scores,
        train_student,
    )

    for method in config.methods:
        pacing_of(config, method)  # bad pacing settings fail before any training
    start = time.perf_counter()
    task = load_task(config)
    difficulty = teacher_scores(config, task)
    runs = []
    for seed in config.seed_list():
        for method in config.methods:
            runs.append(train_student(config, task, difficulty, method, seed))
            ctx.console.print(
                f"  seed {seed}, {method}: test error {100 * runs[-1]['test_error']:.2f}%"
            )
    noise_found = _noise_found(task.noisy, difficulty)
    return curriculum_result(config, runs, noise_found, time.perf_counter() - start)


def _noise_found(noisy: Any, difficulty: Any) -> float | None:
    """The fraction of the noisy labels among the hardest examples (as many as are noisy)."""
    count = int(noisy.sum())
    if count == 0:
        return None
    hardest = difficulty.argsort(descending=True)[:count]
    return float(noisy[hardest].double().mean())
