"""The pipeline-parallel Result: the check against unsplit training, the bubble at each
micro-batch count (measured beside the theory), step times, the table and the figure."""

from __future__ import annotations

import statistics
from typing import Any

from learnlab.recipes.pipeline_parallel.config import PipelineParallelConfig
from learnlab.result import FigureSpec, Result, percent

NAME = "pipeline-parallel"


def _split_summary(split) -> dict[str, Any]:
    layers = [" ".join(name for name, _ in stage.named_children()) for stage in split]
    sizes = [sum(p.numel() for p in stage.parameters()) for stage in split]
    return {"stage_layers": " | ".join(layers), "stage_parameters": sizes}


def _check_summary(runs, model, unsplit_losses, unsplit_gradients, accuracy) -> dict[str, Any]:
    """How far the pipeline's training is from the unsplit model's: the first step's gradients
    (equal up to float32 rounding), then the losses and the final weights, where rounding
    differences grow from step to step."""
    from learnlab.scale.stages import sequential_layers

    trained = runs[0]
    weights = dict(model.named_parameters())
    layers = dict(sequential_layers(model).named_parameters())
    reference = layers if set(trained.weights) <= set(layers) else weights
    difference = max(
        (trained.weights[n] - reference[n].detach()).abs().max().item() for n in trained.weights
    )
    losses = zip(trained.losses, unsplit_losses, strict=True)
    gradients = trained.gradients
    return {
        "train_steps": len(unsplit_losses),
        "first_step_gradient_difference": max(
            (gradients[n] - unsplit_gradients[n]).abs().max().item() for n in gradients
        ),
        "max_weight_difference": difference,
        "max_loss_difference": max(abs(a - b) for a, b in losses),
        "final_train_loss": trained.losses[-1],
        "pipeline_test_accuracy": accuracy["pipeline"],
        "unsplit_test_accuracy": accuracy["unsplit"],
    }


def _bubble_summary(config: PipelineParallelConfig, runs, unsplit_seconds) -> dict[str, Any]:
    from learnlab.scale.pipeline_timing import theoretical_bubble

    summary: dict[str, Any] = {}
    batch = config.bubble_batch_size
    for run in runs[1:]:
        m = run.steps[0].micro_batches
        timed = run.steps[1:]  # the first step of each count is a warm-up
        bubbles = [step.bubble for step in timed]
        seconds = statistics.median(step.seconds for step in timed)
        summary[f"bubble_measured_m{m}"] = statistics.median(bubbles)
        summary[f"bubble_measured_m{m}_min"] = min(bubbles)
        summary[f"bubble_measured_m{m}_max"] = max(bubbles)
        summary[f"bubble_replayed_m{m}"] = statistics.median(s.replayed_bubble for s in timed)
        summary[f"bubble_theory_m{m}"] = theoretical_bubble(config.stages, m)
        for stage in range(config.stages):
            idle = statistics.median(step.stage_bubble[stage] for step in timed)
            summary[f"bubble_stage{stage}_m{m}"] = idle
        summary[f"step_seconds_m{m}"] = seconds
        summary[f"examples_per_second_m{m}"] = batch / seconds
    for threads, seconds in unsplit_seconds.items():
        step = statistics.median(seconds)
        summary[f"unsplit_{threads}_threads_step_seconds"] = step
        summary[f"unsplit_{threads}_threads_examples_per_second"] = batch / step
    return summary


def _table(config: PipelineParallelConfig, summary: dict[str, Any]) -> list[dict[str, str]]:
    rows = []
    for m in config.bubble_micro_batches:
        measured = summary[f"bubble_measured_m{m}"]
        low, high = summary[f"bubble_measured_m{m}_min"], summary[f"bubble_measured_m{m}_max"]
        stages = ", ".join(percent(summary[f"bubble_stage{s}_m{m}"]) for s in range(config.stages))
        rows.append(
            {
                "M": str(m),
                "micro-batch": str(config.bubble_batch_size // m),
                "measured bubble": f"{percent(measured)} ({percent(low)} to {percent(high)})",
                "replayed, a core per stage": percent(summary[f"bubble_replayed_m{m}"]),
                "theory (S-1)/(M+S-1)": percent(summary[f"bubble_theory_m{m}"]),
                "idle per stage": stages,
                "step time": f"{1000 * summary[f'step_seconds_m{m}']:.1f} ms",
                "examples/s": f"{summary[f'examples_per_second_m{m}']:.0f}",
            }
        )
    for threads in sorted({1, config.stages}):
        key = f"unsplit_{threads}_threads"
        rows.append(
            {
                "M": f"unsplit, 1 process, {threads} thread{'s' if threads > 1 else ''}",
                "micro-batch": str(config.bubble_batch_size),
                "measured bubble": "-",
                "replayed, a core per stage": "-",
                "theory (S-1)/(M+S-1)": "-",
                "idle per stage": "-",
                "step time": f"{1000 * summary[f'{key}_step_seconds']:.1f} ms",
                "examples/s": f"{summary[f'{key}_examples_per_second']:.0f}",
            }
        )
    return rows


def _figure(config: PipelineParallelConfig, summary: dict[str, Any]) -> FigureSpec:
    from learnlab.recipes.pipeline_parallel.figures import bubble_figure

    counts = config.bubble_micro_batches
    data = {
        "micro_batches": list(counts),
        "measured": [summary[f"bubble_measured_m{m}"] for m in counts],
        "low": [summary[f"bubble_measured_m{m}_min"] for m in counts],
        "high": [summary[f"bubble_measured_m{m}_max"] for m in counts],
        "replayed": [summary[f"bubble_replayed_m{m}"] for m in counts],
        "stages": config.stages,
    }
    return FigureSpec("the bubble against the number of micro-batches", bubble_figure, data)


def _notes(config: PipelineParallelConfig, summary: dict[str, Any]) -> list[str]:
    return [
        'Pipeline parallelism as in GPipe (Huang et al. 2019, "GPipe: efficient training of '
        'giant neural networks using pipeline parallelism"), on torch.distributed.pipelining '
        f"({config.schedule}, gloo, one process per stage).",
        f"{config.model} split into {config.stages} stages balanced by {config.balance}: "
        f"{summary['stage_layers']} ({summary['stage_parameters']} parameters). Trained "
        f"{summary['train_steps']} SGD steps (lr {config.lr:g}, batch {config.batch_size} in "
        f"{config.micro_batches} micro-batches) on {config.limit_train} MNIST images beside the "
        f"unsplit model on the same batches. The first step's gradients differ by at most "
        f"{summary['first_step_gradient_difference']:.1e} (float32 rounding: the pipeline adds "
        "the micro-batches' gradients, a sum in another order); such differences grow from step "
        f"to step, to {summary['max_loss_difference']:.1e} in the losses and "
        f"{summary['max_weight_difference']:.1e} in the final weights; test accuracy "
        f"{percent(summary['pipeline_test_accuracy'], 2)} (pipeline) and "
        f"{percent(summary['unsplit_test_accuracy'], 2)} (unsplit) on {config.limit_test} images.",
        f"The bubble: {config.bubble_steps - 1} timed steps (after one warm-up) on a batch of "
        f"{config.bubble_batch_size} at each M; each stage records when it computes (forward "
        "and backward of each micro-batch), its idle share is 1 - busy / the step's wall time, "
        "averaged over the stages (median over the steps, least to most in brackets). The "
        "theory assumes equal stages and free messages. The replayed bubble is GPipe's schedule "
        "run again on paper with the passes' measured durations, as if each stage had a core of "
        "its own and messages were free: it departs from the theory by the stages' imbalance. "
        "Its durations are the passes' CPU times, which leave out the waits for a core. The "
        "measured bubble is above both by the time spent sending activations and gradients "
        "and waiting for a core: on a machine of 2 cores shared with other jobs the two stage "
        "processes seldom compute at the same moment.",
        "On one 2-core CPU pipelining cannot speed up a model that fits in memory: at best its "
        "stages overlap, less the bubble, and the same cores serve the unsplit model's "
        f"{config.stages} threads with no bubble and no messages between processes. It is here "
        "to show the mechanics and the bubble; its use is a model too large for one device, "
        f"each stage on a device of its own. {_speed_note(config, summary)}",
    ]


def _speed_note(config: PipelineParallelConfig, summary: dict[str, Any]) -> str:
    """What the step times measured say, where the machine's other jobs blur them."""
    pipeline = max(summary[f"examples_per_second_m{m}"] for m in config.bubble_micro_batches)
    threads = sorted({1, config.stages})
    unsplit = {t: summary[f"unsplit_{t}_threads_examples_per_second"] for t in threads}
    text = (
        f"Measured: the pipeline's best {pipeline:.0f} examples/s, the unsplit model's "
        + ", ".join(f"{v:.0f} on {t} thread{'s' if t > 1 else ''}" for t, v in unsplit.items())
    )
    if pipeline > max(unsplit.values()):
        return (
            f"{text}: the pipeline ahead here, which says more of the machine's load (other "
            "jobs share its cores, and single timings swing by several times) than of "
            "pipelining."
        )
    return f"{text}."


def result(config, split, runs, model, unsplit, accuracy) -> Result:
    """`unsplit`: the unsplit model's losses, first-step gradients and timed step seconds."""
    unsplit_losses, unsplit_gradients, unsplit_seconds = unsplit
    summary: dict[str, Any] = {"recipe": NAME, "stages": config.stages}
    summary |= _split_summary(split)
    summary |= _check_summary(runs, model, unsplit_losses, unsplit_gradients, accuracy)
    summary |= _bubble_summary(config, runs, unsplit_seconds)
    largest = config.bubble_micro_batches[-1]
    return Result(
        kind=NAME,
        title=f"{NAME}: {config.model} in {config.stages} pipeline stages on MNIST",
        summary=summary,
        notes=_notes(config, summary),
        tables={
            "the bubble and the step time at each micro-batch count M": _table(config, summary)
        },
        figures=[_figure(config, summary)],
        index={"dataset": "mnist", "model": config.model},
        headline=(
            f"[bold]{NAME}[/]: weights within {summary['max_weight_difference']:.1e} of "
            f"unsplit training; bubble at M={largest} "
            f"{percent(summary[f'bubble_measured_m{largest}'])} (theory "
            f"{percent(summary[f'bubble_theory_m{largest}'])})"
        ),
    )
