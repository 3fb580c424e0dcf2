"""lenet5-mnist: LeNet-5 on MNIST, reproducing LeCun, Bottou, Bengio & Haffner (1998),
"Gradient-based learning applied to document recognition", Proc. IEEE 86(11).

The paper (section III.C) trains LeNet-5 on the 60,000 MNIST training images for 20 passes
and reports a test error of 0.95% (0.35% on the training set); with 540,000 artificially
distorted training images (random affine transformations) the test error falls to 0.8%.

Our run is as close as learnlab's LeNet-5 allows: the same layer sizes (C1 6@28x28 from a
padded 28x28 image, S2, C3 16@10x10, S4, C5 120, F6 84, 10 outputs), tanh units and average
subsampling, trained on all 60,000 training images (no validation split: nothing is selected
on held-out data, as in the paper), a fixed number of epochs, and the test set evaluated once
at the end. It departs from the paper where the paper's machinery is not PyTorch's: C3 is
fully connected to S2 (the paper's sparse table breaks symmetry), the subsampling has no
trainable coefficient, the output is a linear layer with cross-entropy instead of Euclidean
RBF units with the paper's MAP criterion, and training is SGD with momentum and a
cosine schedule for 10 epochs instead of stochastic diagonal Levenberg-Marquardt per example
for 20 passes (the paper's test error had levelled off after about 10 passes). The
distortion result (0.8%) is not reproduced: learnlab's augmentation only translates.

Seeds. The paper reports one run; one run of ours would be compared with it by luck of the
seed, so the reproduction trains `seeds` runs (seeds `seed`, `seed + 1`, ...) and compares
their mean with the paper's number, the standard deviation and the range beside it
(`learnlab.recipes.seeds`). The default is 3 seeds, as many as the time limit of 10 minutes
of training on 2 CPU cores allows: on one thread of a 2-core machine shared with other jobs
the seeds 0, 1 and 2 trained in 149, 177 and 212 s (538 s together; a fourth would not fit),
where a lightly loaded one takes about 60 s a seed (a one-epoch run: 5.8 s). All three had a
test error of 0.93% (93 errors each; their test losses 0.0269 to 0.0283 show that they are
different networks). The slow test asserts the limit (with a margin for load) and the
claim's tolerance.

Resume: each seed is a part of the run (`seed-0/`, `seed-1/`...), so `--resume RUN` keeps
the finished seeds and continues an unfinished one from its last checkpoint.
"""

from __future__ import annotations

from typing import Any

from learnlab.recipes.context import RunContext
from learnlab.recipes.lenet5_mnist.config import Lenet5MnistConfig, train_config
from learnlab.recipes.lenet5_mnist.reproduction import PAPER, REPRODUCTION
from learnlab.recipes.registry import register_recipe
from learnlab.result import Result, percent

NAME = "lenet5-mnist"
TIME_LIMIT_SECONDS = 10 * 60  # of training, all seeds together, on 2 CPU cores

NOTES = [
    f"Reproduction of {PAPER.citation()}: test error 0.95% without distortions.",
    "Trained on all training images with no validation split; the test set is evaluated "
    "once, at the end, and nothing is selected on it.",
]


@register_recipe(
    NAME,
    "Reproduction: LeNet-5 on MNIST, test error next to LeCun et al. (1998)'s 0.95%; "
    "10 epochs on all 60,000 images, 3 seeds (at most 10 minutes of training on 2 cores)",
    Lenet5MnistConfig,
    reproduction=REPRODUCTION,
    train_configs=lambda config: [train_config(config, seed) for seed in config.seed_list()],
)
def run(config: Lenet5MnistConfig, ctx: RunContext) -> Result:
    seed_runs = [
        ctx.train(
            f"seed-{seed}", train_config(config, seed), title=f"{NAME}, seed {seed}", notes=NOTES
        )
        for seed in config.seed_list()
    ]
    return _result(config, [run.summary for run in seed_runs])


def _result(config: Lenet5MnistConfig, summaries: list[dict[str, Any]]) -> Result:
    from learnlab.recipes.seeds import combine_seeds, spread_keys

    errors = [100.0 * (1.0 - float(s["test_accuracy"])) for s in summaries]
    summary = combine_seeds(summaries)
    summary.update(spread_keys("test_accuracy", [float(s["test_accuracy"]) for s in summaries]))
    summary["test_error_percent"] = sum(errors) / len(errors)
    summary.update(spread_keys("test_error_percent", errors))
    summary["time_limit_seconds"] = TIME_LIMIT_SECONDS
    summary["within_time_limit"] = float(summary["train_seconds"]) <= TIME_LIMIT_SECONDS
    seeds = config.seed_list()
    return Result(
        kind=NAME,
        title=NAME,
        summary=summary,
        notes=[*NOTES, _seeds_note(seeds, summary)],
        tables={"test error of each seed": _seed_rows(seeds, summaries, errors)},
        index={
            "dataset": "mnist",
            "model": "lenet5",
            **{k: summary[k] for k in ("test_accuracy", "test_loss") if k in summary},
        },
        headline=(
            f"[bold]{NAME}[/]: test error {summary['test_error_percent']:.2f}% (mean of "
            f"{len(seeds)} seed{'s' if len(seeds) > 1 else ''}, "
            f"{summary['test_error_percent_min']:.2f} to "
            f"{summary['test_error_percent_max']:.2f}), paper 0.95%; "
            f"{summary['train_seconds']:.0f} s of training"
        ),
    )


def _seeds_note(seeds: list[int], summary: dict[str, Any]) -> str:
    within = "within" if summary["within_time_limit"] else "OVER"
    return (
        f"{len(seeds)} seed{'s' if len(seeds) > 1 else ''} ({', '.join(map(str, seeds))}), each "
        "a training run of its own (the parts below); the summary's numbers are their means "
        f"(train_seconds their total: {summary['train_seconds']:.0f} s, {within} the "
        f"{TIME_LIMIT_SECONDS / 60:g}-minute limit on this machine; the time depends on its "
        "load)."
    )


def _seed_rows(
    seeds: list[int], summaries: list[dict[str, Any]], errors: list[float]
) -> list[dict[str, str]]:
    return [
        {
            "seed": str(seed),
            "test accuracy": percent(float(s["test_accuracy"]), 2),
            "test error (%)": f"{error:.2f}",
            "train seconds": f"{float(s['train_seconds']):.0f}",
        }
        for seed, s, error in zip(seeds, summaries, errors, strict=True)
    ]
