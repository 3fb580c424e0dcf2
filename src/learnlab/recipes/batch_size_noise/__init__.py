"""batch-size-noise: the standard error of the minibatch gradient falls as sigma/sqrt(n), while
the time per optimizer step grows with n (lecture L4, "Batch size": "standard error from mean
given n samples is proportional to sigma/sqrt(n) ... improvement in error scales sublinearly
with batch size while calculation cost scales linearly").

An MLP (`depth` ReLU layers of `width`) on the first `examples` = N MNIST training images,
measured twice: at its initialisation and after `train_epochs` epochs of SGD with momentum
(the trained point). At each point and for each batch size n: sigma from the N per-example
gradients (torch.func vmap of grad), the theory sigma/sqrt(n) (times the finite-population
correction sqrt((N - n)/(N - 1)) when the minibatches are drawn without replacement, the
default, as a shuffled epoch draws them), and the measured standard error
sqrt(mean ||g_B - gbar||^2) over max(`draws`, `draw_examples`/n) actual minibatch gradients;
the ratio measured/theory should be 1 up to the spread of the draws (its standard error is in
the table). Then the
median wall time of one SGD step at each n. The formulas are in `noise.py`.

Measured (default config, 2026-12-06, `OMP_NUM_THREADS=1 learnlab run batch-size-noise
--set progress=false`, 1 thread on a shared 2-core machine: 113 s user + 159 s system CPU,
4 min 40 s wall, 0.97 GB peak): sigma 2.08 at initialisation and 5.55 trained (5 epochs,
training accuracy 97.5%); measured/theory over n = 1..4096 between 0.979 and 1.002 at
initialisation and 0.976 and 1.026 trained (largest |ratio - 1| 0.026; the correction is
0.768 at n = 4096). Time per step: 0.33 ms at n = 1 to 8 (fixed costs), 1.11 ms at 128,
then about proportional to n (5.5 ms at 1,024, 23.6 ms at 4,096).

Resume: the recipe is one computation of a few minutes; `--resume` runs it again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from learnlab.recipes.batch_size_noise.config import BatchSizeNoiseConfig
from learnlab.recipes.context import RunContext
from learnlab.recipes.registry import register_recipe
from learnlab.result import FigureSpec, Result

if TYPE_CHECKING:
    from learnlab.recipes.batch_size_noise.noise import NoiseAtBatchSize

NAME = "batch-size-noise"
POINTS = ("initialisation", "trained")


@register_recipe(
    NAME,
    "The standard error of the minibatch gradient against batch size n beside sigma/sqrt(n) "
    "(MLP on MNIST, at initialisation and trained), and the time per step against n",
    BatchSizeNoiseConfig,
    quick={
        "examples": 512,
        "depth": 1,
        "width": 32,
        "batch_sizes": [1, 16, 256],
        "draws": 100,
        "draw_examples": 400,
        "train_epochs": 3,
        "timed_steps": 3,
        "progress": False,
    },
)
def run(config: BatchSizeNoiseConfig, ctx: RunContext) -> Result:
    from learnlab.recipes.batch_size_noise.noise import measure_noise, seconds_per_step
    from learnlab.train.seeding import seed_everything

    seed_everything(config.seed)
    x, y = _data(config)
    model = _model(config, x)
    measured: dict[str, Any] = {}
    for point in POINTS:
        if point == "trained":
            measured["train"] = _train(config, model, x, y)
        measured[point] = measure_noise(
            model,
            x,
            y,
            config.batch_sizes,
            draws=config.draws,
            draw_examples=config.draw_examples,
            replacement=config.replacement == "with",
            seed=config.seed,
            chunk=config.chunk_examples,
        )
    seconds = [
        seconds_per_step(model, x, y, n, config.timed_steps, config.seed)
        for n in config.batch_sizes
    ]
    return _result(config, measured, seconds)


def _data(config: BatchSizeNoiseConfig):
    """The population: the first N training images in [0, 1] and their labels."""
    from learnlab.data import load_dataset

    ds = load_dataset(config.dataset, root=config.data_root, download=config.download)
    n = config.examples
    return ds.train.x[:n].float().div(255), ds.train.y[:n].long()


def _model(config: BatchSizeNoiseConfig, x):
    from learnlab.models import build_model

    shape = tuple(x.shape[1:])
    return build_model("mlp", shape, 10, depth=config.depth, width=config.width)


def _train(config: BatchSizeNoiseConfig, model, x, y) -> dict[str, float]:
    """SGD with momentum on the population to the trained point; its last epoch's metrics."""
    from learnlab.data.loader import TensorLoader
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.procedures.base import Stage, train_stage

    loader = TensorLoader(x, y, batch_size=config.train_batch_size, seed=config.seed)
    stage = Stage(
        epochs=config.train_epochs, optimizer="momentum", lr=config.lr, momentum=config.momentum
    )
    last = train_stage(model, CrossEntropy(), loader, stage, name="train").history[-1]
    return {"train_loss": float(last["train_loss"]), "train_accuracy": last["train_accuracy"]}


def _rows(config: BatchSizeNoiseConfig, measured: dict[str, Any]) -> list[dict[str, str]]:
    rows = []
    for point in POINTS:
        sigma, noise = measured[point]
        for row in noise:
            rows.append(
                {
                    "point": point,
                    "n": str(row.batch_size),
                    "sigma": f"{sigma:.4g}",
                    "correction": f"{row.correction:.4f}",
                    "theory": f"{row.theory:.4g}",
                    "measured": f"{row.measured:.4g}",
                    "measured/theory": f"{row.ratio:.3f} +- {row.ratio_error:.3f}",
                }
            )
    return rows


def _summary(config: BatchSizeNoiseConfig, measured, seconds) -> dict[str, Any]:
    summary: dict[str, Any] = {"recipe": NAME, "examples": config.examples}
    summary |= {f"trained_{k}": v for k, v in measured["train"].items()}
    ratios = []
    for point in POINTS:
        sigma, noise = measured[point]
        summary[f"sigma_{point}"] = sigma
        for row in noise:
            summary[f"ratio_{point}_n{row.batch_size}"] = row.ratio
            ratios.append(row.ratio)
    finite = [r for r in ratios if r == r]
    summary["largest_ratio_deviation"] = max(abs(r - 1) for r in finite) if finite else None
    for n, s in zip(config.batch_sizes, seconds, strict=True):
        summary[f"ms_per_step_n{n}"] = 1000 * s
    return summary


def _figures(config: BatchSizeNoiseConfig, measured, seconds) -> list[FigureSpec]:
    from learnlab.recipes.batch_size_noise.figures import standard_error_figure, step_time_figure

    points = []
    for point in POINTS:
        sigma, noise = measured[point]
        rows: list[NoiseAtBatchSize] = noise
        points.append(
            {
                "label": point,
                "sigma": sigma,
                "theory": [r.theory for r in rows],
                "measured": [r.measured for r in rows],
            }
        )
    error = {
        "batch_sizes": config.batch_sizes,
        "points": points,
        "population": config.examples,
        "replacement": config.replacement == "with",
    }
    return [
        FigureSpec(
            "standard error of the minibatch gradient against n", standard_error_figure, error
        ),
        FigureSpec(
            "time per optimizer step against n",
            step_time_figure,
            {"batch_sizes": config.batch_sizes, "seconds": seconds},
        ),
    ]


def _result(config: BatchSizeNoiseConfig, measured, seconds) -> Result:
    summary = _summary(config, measured, seconds)
    times = [
        {"n": str(n), "ms per step": f"{1000 * s:.3f}", "us per example": f"{1e6 * s / n:.2f}"}
        for n, s in zip(config.batch_sizes, seconds, strict=True)
    ]
    way = (
        "without replacement (each a uniformly random n-subset; the theory carries the "
        "finite-population correction sqrt((N-n)/(N-1)))"
        if config.replacement == "without"
        else "with replacement (n independent uniform picks; no correction)"
    )
    train = measured["train"]
    notes = [
        f"Population: the first N = {config.examples} {config.dataset} training images; MLP "
        f"of {config.depth} ReLU layers of {config.width}. sigma^2 = (1/N) sum_i ||g_i - "
        "gbar||^2 from per-example gradients; measured: sqrt(mean ||g_B - gbar||^2) over "
        f"max({config.draws}, {config.draw_examples}/n) minibatches per n, drawn {way}.",
        f"Trained point: {config.train_epochs} epochs of SGD with momentum {config.momentum:g} "
        f"(lr {config.lr:g}, batch {config.train_batch_size}): training loss "
        f"{train['train_loss']:.3f}, accuracy {100 * train['train_accuracy']:.1f}%.",
        f"Largest |measured/theory - 1| over n and both points: "
        f"{summary['largest_ratio_deviation']:.3f} (the +- in the table is the ratio's "
        "standard error from the spread over the draws).",
        "Time per step: median wall time of one SGD step (forward, backward, update) on the "
        f"run's torch threads, {config.timed_steps} timed steps per n.",
    ]
    return Result(
        kind=NAME,
        title=f"{NAME}: minibatch gradient noise against batch size",
        summary=summary,
        notes=notes,
        tables={"standard error per batch size": _rows(config, measured), "time per step": times},
        figures=_figures(config, measured, seconds),
        config=config.model_dump(mode="json"),
        index={"dataset": config.dataset, "model": "mlp"},
        headline=f"[bold]{NAME}[/]: largest |measured/theory - 1| = "
        f"{summary['largest_ratio_deviation']:.3f}",
    )
