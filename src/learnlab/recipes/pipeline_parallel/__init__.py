"""pipeline-parallel: a model cut into stages on separate processes, trained on MNIST with
micro-batches (GPipe: Huang et al. 2019, "GPipe: efficient training of giant neural networks
using pipeline parallelism"), checked against the unsplit model, and its bubble measured.

The engine is `learnlab.scale.pipeline` (torch.distributed.pipelining on gloo, one process
per stage). The recipe trains the split model with SGD on a subset of MNIST and the unsplit
model on the same batches in this process: the weights agree to float32 rounding. Then it
times `bubble_steps` steps on one batch at each micro-batch count M: every stage records when
it computes, and its idle share of the step's wall time (the bubble) is set beside GPipe's
(S - 1) / (M + S - 1).

On one machine with 2 shared cores pipelining cannot make a model that fits in memory faster:
the stages compete for the cores and add messages between processes. The recipe shows the
mechanics and the bubble, not a speed-up.

Resume: the recipe is one computation of a minute at most; `--resume` runs it again.
"""

from __future__ import annotations

from learnlab.recipes.context import RunContext
from learnlab.recipes.pipeline_parallel.config import PipelineParallelConfig
from learnlab.recipes.pipeline_parallel.outcome import NAME, result
from learnlab.recipes.registry import register_recipe
from learnlab.result import Result

QUICK = {
    "width": 64,
    "limit_train": 256,
    "limit_test": 256,
    "bubble_batch_size": 64,
    "bubble_steps": 2,
}


@register_recipe(
    NAME,
    "Pipeline (model) parallelism, GPipe style: an MLP split into 2 processes trains on MNIST "
    "like the unsplit model; the bubble measured against (S-1)/(M+S-1)",
    PipelineParallelConfig,
    quick=QUICK,
)
def run(config: PipelineParallelConfig, ctx: RunContext) -> Result:
    import torch

    from learnlab.recipes.pipeline_parallel.training import (
        accuracy_of,
        load_data,
        pipeline_runs,
        time_unsplit,
        train_unsplit,
    )

    data = load_data(config)
    torch.manual_seed(config.seed)
    model = config.build_model()
    split, runs = pipeline_runs(config, model, data)
    unsplit_losses, unsplit_gradients = train_unsplit(config, model, data)
    unsplit_seconds = time_unsplit(config, model, data)
    accuracy = {
        "pipeline": accuracy_of(config, data, runs[0].weights),
        "unsplit": accuracy_of(config, data, model.state_dict()),
    }
    unsplit = (unsplit_losses, unsplit_gradients, unsplit_seconds)
    return result(config, split, runs, model, unsplit, accuracy)
