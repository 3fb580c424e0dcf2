"""compression: make a trained MNIST model smaller and faster (lecture L4, "application
strategies": runtime and storage limits), and measure what each way costs in accuracy.

For each seed the recipe trains the 784-512-512-10 MLP and LeNet-5 (`conv_model`) briefly
(`epochs` of SGD with momentum, a cosine schedule) and compares on the test set: the
original, magnitude pruning at each of `sparsities`, channel pruning to `channel_fraction` of
the filters (before and after `fine_tune_epochs` of fine-tuning), and dynamic int8
quantisation of the Linear layers.

The tools are in `learnlab.deploy`: `magnitude` (torch.nn.utils.prune), `channels` (Li et
al. 2017: the smaller dense network), `quantize` (torch.ao dynamic int8), `measure`. Each
variant's test accuracy (and its change against the original, paired by seed, in points),
file size, non-zero parameters and median latency (timed side by side with the original) are
means over the seeds with their spreads. The latest `distillation` run of the run index, when
there is one, is shown beside them (a smaller student trained on a teacher's soft targets).

Nothing is chosen on the test set: the sparsities, the fraction and the fine-tuning are set in
advance; fine-tuning sees only training images.

Measured (default config, 2026-12-06, `OMP_NUM_THREADS=1 learnlab run compression --run-dir
RUN`; 155 s of user CPU time, 15.6 min of wall time at 17% of a CPU on a 2-core machine with a
load average near 14): MLP 98.39 +- 0.11%; int8 dynamic -0.00 +- 0.01 points, file 3.96x
smaller (2,619 to 662 KB), median latency 10.6x lower (seeds 8.0 to 14.9x; inflated by the
load: benchmarks/compression.py's fastest repeats give about 2x); magnitude pruning 50/80/90%:
-0.08, -0.49, -3.04 points, same file, no speed-up. LeNet-5 99.10 +- 0.05%; half of each
convolution's filters (3 and 8 channels): -13.8 +- 4.0 points before fine-tuning, -0.50 +-
0.29 after one epoch of it, file 1.70x smaller, 1.49 +- 0.06x faster (seeds 1.42 to 1.53x);
int8 dynamic (its Linear layers only): 0.00 points, file 3.29x smaller, no speed-up (the
convolutions dominate); magnitude 50/80/90%: -0.28, -5.24, -36.4 points without fine-tuning.

Resume: the recipe is one computation of a few minutes; `--resume` runs it again.
"""

from __future__ import annotations

from learnlab.recipes.compression.config import CompressionConfig
from learnlab.recipes.compression.outcome import NAME
from learnlab.recipes.context import RunContext
from learnlab.recipes.registry import register_recipe
from learnlab.result import Result

QUICK = {
    "seeds": 1,
    "epochs": 1,
    "mlp_width": 128,
    "limit_train": 256,
    "limit_test": 256,
    "sparsities": [0.5, 0.9],
    "latency_batch": 64,
    "latency_repeats": 3,
}


@register_recipe(
    NAME,
    "Compression on MNIST: magnitude pruning, channel pruning to a smaller dense LeNet-5 "
    "(measured speed-up), dynamic int8 quantisation; accuracy, size and latency of each",
    CompressionConfig,
    quick=QUICK,
)
def run(config: CompressionConfig, ctx: RunContext) -> Result:
    import time

    from learnlab.recipes.compression.distilled import distillation_rows, latest_distillation
    from learnlab.recipes.compression.measured import conv_variants, measure_variants, mlp_variants
    from learnlab.recipes.compression.outcome import result

    start = time.perf_counter()  # the runner has set torch's threads from config.threads
    _check_prunable(config.conv_model)
    train, test = _data(config)
    models: dict[str, list[dict]] = {"mlp": [], "conv": []}
    for seed in config.seed_list():
        mlp = _trained(
            config, "mlp", {"depth": config.mlp_depth, "width": config.mlp_width}, train, seed
        )
        models["mlp"].append(measure_variants(mlp_variants(mlp, config), test, config))
        conv = _trained(config, config.conv_model, {}, train, seed)
        variants = conv_variants(conv, train, config, seed)
        models["conv"].append(measure_variants(variants, test, config))
        if config.progress:
            ctx.console.print(f"{NAME}: seed {seed} done, {time.perf_counter() - start:.0f} s")
    titles = {
        "mlp": f"MLP 784-{config.mlp_width}x{config.mlp_depth}-10",
        "conv": config.conv_model,
    }
    entry = latest_distillation()
    distilled = (entry, distillation_rows(entry) if entry else [])
    return result(config, models, titles, distilled, time.perf_counter() - start)


def _data(config: CompressionConfig):
    """MNIST normalised with the data set's mean and std: (x, y) of the training images
    (all, or the first `limit_train`) and of the test images (or the first `limit_test`)."""
    from learnlab.data import load_dataset, normalize

    ds = load_dataset("mnist", root=config.data_root, download=config.download)

    def split(part, limit: int | None):
        end = limit or len(part.x)
        x = normalize(part.x[:end], scale=ds.scale, mean=ds.mean, std=ds.std)
        return x, part.y[:end].long()

    return split(ds.train, config.limit_train), split(ds.test, config.limit_test)


def _trained(config: CompressionConfig, name: str, options: dict, train, seed: int):
    """Registered model `name` initialised from `seed` and trained on `train`."""
    import torch

    from learnlab.deploy.fine_tune import fine_tune
    from learnlab.models import build_model

    torch.manual_seed(seed)
    model = build_model(name, (1, 28, 28), 10, **options)
    fine_tune(
        model,
        *train,
        epochs=config.epochs,
        lr=config.lr,
        momentum=config.momentum,
        batch_size=config.batch_size,
        seed=seed,
    )
    return model


def _check_prunable(name: str) -> None:
    """Before any training: a ConfigError naming `conv_model` if channel pruning cannot cut it."""
    from learnlab.deploy.channels import find_stages
    from learnlab.io.errors import ConfigError
    from learnlab.models import build_model

    try:
        find_stages(build_model(name, (1, 28, 28), 10))
    except ConfigError as error:
        raise ConfigError(f"conv_model {name!r}: {error}") from None
