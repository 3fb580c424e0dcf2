"""intrinsic-dimension: the intrinsic dimension of objective landscapes, reproducing Li,
Farkhoor, Liu & Yosinski (ICLR 2018), "Measuring the intrinsic dimension of objective
landscapes", Table 1 (MNIST columns; the lecture L3's table).

The tool is `learnlab.analysis.subspace`: each network is trained in random subspaces of
growing dimension d (theta = theta_0 + P theta_d, only theta_d trained, by the ordinary
Trainer) and d_int90 is the smallest d whose validation accuracy reaches 0.90 (the paper's
MNIST convention: 90% of a baseline taken as 1.0). The search (`analysis.subspace.search`):
the grid in increasing order until a d passes, then bisections below it. Setup and departures
from the paper: reproduction.py.

Measured (default config, 2026-12-06, `OMP_NUM_THREADS=1 learnlab reproduce
intrinsic-dimension --run-dir RUN`, one torch thread on a shared 2-core machine: 422 s of user
CPU time, 41.5 minutes of wall time at 17% of a core under the load of other jobs): d_int90
FC 812 (paper 750), LeNet 250 (290), FC on shuffled pixels 812 (750), LeNet on shuffled pixels
2,250 (1,400). Validation accuracy at the paper's d: FC 0.8972 at 750, LeNet 0.9007 at 250
and 0.8708 at 200, shuffled LeNet 0.8745 at 1,500. The shuffled LeNet needs more than the
paper's d, likely because 3 epochs are further from convergence for it (its curve is the
flattest: 0.859 at 1,000, 0.891 at 2,000); the ordering of the paper (LeNet < FC on MNIST,
LeNet > FC on shuffled pixels) is reproduced. The learning rate (0.03 rather than 0.01) was
chosen on the validation accuracy of one run per architecture at the paper's d (FC at 750:
0.8927 with 0.01, 0.8976 with 0.03; LeNet at 290: 0.8967 and 0.9017).

Parts: one per network (`fc/`, `lenet/`, `fc-shuffled/`, `lenet-shuffled/`), each the whole
search for that network; `--resume RUN` keeps the finished networks.
"""

from __future__ import annotations

from typing import Any

from learnlab.recipes.context import RunContext
from learnlab.recipes.intrinsic_dimension.config import IntrinsicDimensionConfig
from learnlab.recipes.intrinsic_dimension.reproduction import PAPER, PAPER_D_INT90, REPRODUCTION
from learnlab.recipes.registry import register_recipe
from learnlab.result import FigureSpec, Result, percent

NAME = "intrinsic-dimension"


@register_recipe(
    NAME,
    "Reproduction: d_int90 of FC and LeNet on MNIST and on shuffled pixels by subspace "
    "training (Li et al. 2018: 750, 290, 750, 1,400)",
    IntrinsicDimensionConfig,
    reproduction=REPRODUCTION,
)
def run(config: IntrinsicDimensionConfig, ctx: RunContext) -> Result:
    data = _mnist_splits(config)
    parts = [ctx.part(network, _search, config, network, data) for network in config.networks]
    return _result(config, [part.summary for part in parts])


def _mnist_splits(config: IntrinsicDimensionConfig):
    """(train x, train y, val x, val y): the last `val_size` training images held out."""
    from learnlab.data.registry import load_dataset
    from learnlab.data.transforms import normalize
    from learnlab.io.errors import ConfigError

    ds = load_dataset("mnist", root=config.data_root, download=config.download)
    x = normalize(ds.train.x, scale=ds.scale, mean=ds.mean, std=ds.std)
    n_train = len(x) - config.val_size
    if n_train < 1:
        raise ConfigError(f"val_size {config.val_size} leaves no training image of {len(x)}.")
    limit = n_train if config.limit_train is None else min(config.limit_train, n_train)
    return x[:limit], ds.train.y[:limit], x[n_train:], ds.train.y[n_train:]


def _search(config: IntrinsicDimensionConfig, network: str, data) -> Result:
    import time

    from learnlab.analysis.subspace.search import find_intrinsic_dimension
    from learnlab.analysis.subspace.training import train_in_subspace
    from learnlab.recipes.intrinsic_dimension.networks import build_network, shuffle_pixels

    x_train, y_train, x_val, y_val = data
    if network.endswith("-shuffled"):
        x_train, x_val = shuffle_pixels(x_train, config.seed), shuffle_pixels(x_val, config.seed)
    model = build_network(network, config.seed)
    runs: dict[int, Any] = {}
    start = time.perf_counter()

    def accuracy_at(d: int) -> float:
        runs[d] = train_in_subspace(
            model,
            d,
            (x_train, y_train),
            (x_val, y_val),
            projection=config.projection,
            seed=config.seed,
            epochs=config.epochs,
            batch_size=config.batch_size,
            lr=config.lr,
        )
        if config.progress:
            print(f"{network}: d = {d}, validation accuracy {runs[d].val_accuracy:.4f}")
        return runs[d].val_accuracy

    found = find_intrinsic_dimension(
        accuracy_at, config.grid, config.threshold, config.bisection_steps
    )
    D = sum(p.numel() for p in model.parameters())
    summary = {
        "network": network,
        "D": D,
        "d_int90": found.d_int,
        "dims": list(found.dims),
        "accuracies": list(found.accuracies),
        "train_accuracies": [runs[d].train_accuracy for d in found.dims],
        "run_seconds": [runs[d].seconds for d in found.dims],
        "seconds": time.perf_counter() - start,
    }
    return Result(kind=f"{NAME}-network", title=f"{NAME}: {network}", summary=summary)


def _summary(config: IntrinsicDimensionConfig, parts: list[dict[str, Any]]) -> dict[str, Any]:
    summary: dict[str, Any] = {"recipe": NAME, "threshold": config.threshold}
    for part in parts:
        summary[f"d_int90_{part['network']}"] = part["d_int90"]
        summary[f"D_{part['network']}"] = part["D"]
        summary[f"seconds_{part['network']}"] = part["seconds"]
    summary["seconds"] = sum(part["seconds"] for part in parts)
    return summary


def _rows(config: IntrinsicDimensionConfig, parts: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [
        {
            "network": part["network"],
            "D": f"{part['D']:,}",
            "d evaluated": ", ".join(map(str, part["dims"])),
            "validation accuracy": ", ".join(percent(a, 1) for a in part["accuracies"]),
            "d_int90 (ours)": "not reached" if part["d_int90"] is None else str(part["d_int90"]),
            "d_int90 (paper)": f"{PAPER_D_INT90[part['network']]:,}",
            "seconds": f"{part['seconds']:.0f}",
        }
        for part in parts
    ]


def _result(config: IntrinsicDimensionConfig, parts: list[dict[str, Any]]) -> Result:
    from learnlab.recipes.intrinsic_dimension.figures import accuracy_against_d_figure

    summary = _summary(config, parts)
    curves = [
        {k: part[k] for k in ("network", "dims", "accuracies")} | {"d_int": part["d_int90"]}
        for part in parts
    ]
    found = ", ".join(f"{p['network']} {p['d_int90']}" for p in parts)
    figure = FigureSpec(
        "validation accuracy against the subspace dimension d",
        accuracy_against_d_figure,
        {
            "curves": curves,
            "threshold": config.threshold,
            "D": {p["network"]: p["D"] for p in parts},
        },
        caption=f"The dashed line is {config.threshold:g} (90% of a baseline taken as 1.0); "
        "dotted lines mark each network's d_int90.",
    )
    notes = [
        f"Reproduction of {PAPER.citation()}.",
        f"d_int90 is the smallest d whose validation accuracy reaches {config.threshold:g}: the "
        "paper's MNIST convention, 90% of a baseline taken as 1.0 (not of the network's own "
        "accuracy trained in full).",
        f"Projection {config.projection}; {config.epochs} epochs of Adam (lr {config.lr:g}, batch "
        f"{config.batch_size}); {config.val_size} held-out training images; seed {config.seed}.",
        f"d_int90: {found}. {summary['seconds']:.0f} s.",
    ]
    return Result(
        kind=NAME,
        title=f"{NAME}: d_int90 by subspace training",
        summary=summary,
        notes=notes,
        tables={"d_int90 per network": _rows(config, parts)},
        figures=[figure],
        index={"dataset": "mnist", "model": "fc, lenet (subspace)"},
        headline=f"[bold]{NAME}[/]: d_int90 {found} (paper: FC 750, LeNet 290, 750, 1,400)",
    )
