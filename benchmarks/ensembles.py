"""Batched ensembles: K=32 MNIST-1D MLPs trained as one batched computation, against 32
sequential learnlab Trainer runs and 32 sequential PyTorch Lightning runs.

    .venv/bin/python benchmarks/ensembles.py [--members 32] [--epochs 3] [--repeats 3]

Every member: 40-100-100-10 MLP, its own seed (initialisation and batch order), Adam with its
own learning rate, batch 64, on MNIST-1D's 4,000 training examples. The batched ensemble must
give the same weights as the sequential Trainer runs (max abs difference reported; target
1e-5). Results: benchmarks/results/ensembles.json.
"""

from __future__ import annotations

import argparse
import os
from contextlib import redirect_stderr, redirect_stdout

import torch
import torch.nn.functional as F
from common import (
    interleaved,
    mnist1d_tensors,
    print_table,
    quiet_peers,
    timed,
    write_results,
)

BATCH = 64


def build() -> torch.nn.Module:
    from learnlab.models import build_model

    return build_model("mlp", (1, 40), 10, depth=2, width=100)


def learning_rates(k: int) -> list[float]:
    return [1e-3 * (1 + i / k) for i in range(k)]


def batched(x, y, seeds, epochs, out: dict) -> float:
    from learnlab.scale.ensemble import BatchedEnsemble

    ensemble = BatchedEnsemble(build, seeds, optimizer="adam", lr=learning_rates(len(seeds)))
    seconds = timed(lambda: ensemble.fit(x, y, epochs=epochs, batch_size=BATCH))
    out["batched"] = [ensemble.member(k).state_dict() for k in range(len(seeds))]
    return seconds


def sequential_trainer(x, y, seeds, epochs, out: dict) -> float:
    from learnlab.data import TensorLoader
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.train.callbacks import LossCurve, NanGuard
    from learnlab.train.optimizers import build_optimizer
    from learnlab.train.trainer import Trainer

    models = []

    def run():
        for seed, lr in zip(seeds, learning_rates(len(seeds)), strict=True):
            torch.manual_seed(seed)
            net = build()
            trainer = Trainer(
                net,
                CrossEntropy(),
                build_optimizer("adam", net.parameters(), lr=lr),
                callbacks=[NanGuard(), LossCurve()],
            )
            trainer.fit(TensorLoader(x, y, batch_size=BATCH, seed=seed), epochs=epochs)
            models.append(net)

    seconds = timed(run)
    out["sequential"] = [m.state_dict() for m in models]
    return seconds


def sequential_lightning(x, y, seeds, epochs, out: dict) -> float:
    import pytorch_lightning as pl

    class Module(pl.LightningModule):
        def __init__(self, lr):
            super().__init__()
            self.net, self.lr = build(), lr

        def training_step(self, batch, batch_index):
            return F.cross_entropy(self.net(batch[0]), batch[1])

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=self.lr)

    def run():
        for seed, lr in zip(seeds, learning_rates(len(seeds)), strict=True):
            torch.manual_seed(seed)
            module = Module(lr)
            loader = torch.utils.data.DataLoader(
                torch.utils.data.TensorDataset(x, y),
                batch_size=BATCH,
                shuffle=True,
                generator=torch.Generator().manual_seed(seed),
            )
            trainer = pl.Trainer(
                max_epochs=epochs,
                accelerator="cpu",
                devices=1,
                logger=False,
                enable_checkpointing=False,
                enable_progress_bar=False,
                enable_model_summary=False,
                num_sanity_val_steps=0,
            )
            trainer.fit(module, loader)

    with open(os.devnull, "w") as sink, redirect_stdout(sink), redirect_stderr(sink):
        return timed(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    quiet_peers()
    x, y = mnist1d_tensors()
    seeds = list(range(args.members))
    weights: dict = {}
    ways = {
        "batched ensemble": lambda: batched(x, y, seeds, args.epochs, weights),
        "sequential learnlab Trainer": lambda: sequential_trainer(
            x, y, seeds, args.epochs, weights
        ),
    }
    import importlib.util

    if importlib.util.find_spec("pytorch_lightning") is not None:
        ways["sequential Lightning"] = lambda: sequential_lightning(x, y, seeds, args.epochs, {})
    stats = interleaved(ways, args.repeats, warmup=False)
    difference = max(
        float((a - b).abs().max())
        for ours, theirs in zip(weights["batched"], weights["sequential"], strict=True)
        for a, b in zip(ours.values(), theirs.values(), strict=True)
    )
    base = stats["batched ensemble"]["median"]
    rows = [
        [name, f"{s['median']:.2f}", f"{s['min']:.2f}-{s['max']:.2f}", f"{s['median'] / base:.1f}x"]
        for name, s in stats.items()
    ]
    print_table(
        f"{args.members} MNIST-1D MLPs, {args.epochs} epochs, Adam, batch {BATCH} "
        f"(median of {args.repeats})",
        ["way", "seconds", "min-max", "time vs batched"],
        rows,
    )
    speedup = stats["sequential learnlab Trainer"]["median"] / base
    print(
        f"target: batched >= 5x faster than sequential Trainer runs: {speedup:.1f}x; "
        f"max |weight difference| {difference:.2e} (target 1e-5)"
    )
    path = write_results(
        "ensembles",
        {
            "members": args.members,
            "epochs": args.epochs,
            "repeats": args.repeats,
            "seconds": {k: v for k, v in stats.items()},
            "speedup_vs_sequential_trainer": speedup,
            "max_abs_weight_difference": difference,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
