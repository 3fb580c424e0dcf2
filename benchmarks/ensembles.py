"""Batched ensembles: K=32 MLPs trained as one batched computation (exact and fast mode), against
32 sequential learnlab Trainer runs (and 32 sequential PyTorch Lightning runs), side by side.

    .venv/bin/python benchmarks/ensembles.py [--members 32] [--epochs 3] [--repeats 3]
        [--mnist-examples 6000] [--mnist-epochs 1]

Part 1, MNIST-1D: every member a 40-100-100-10 MLP, its own seed (initialisation and batch
order), Adam with its own learning rate, batch 64, on MNIST-1D's 4,000 training examples.
Part 2, MNIST: every member LeNet-300-100 (784-300-100-10, the lottery-ticket recipe's network
and set-up: Adam 1.2e-3, batch 60), on the first --mnist-examples MNIST training images
(0 skips part 2). Exact mode must give the same weights as the sequential Trainer runs (max abs
difference reported; target 0); fast mode's drift from them (max abs weight difference after
1 step, 1 epoch and the timed epochs; float32) is reported beside its speed-up (target >= 6x).
Speed-up: the sequential Trainer runs' median wall time over the way's; CPU speed-up: the same
with the CPU time of this process (fairer on a shared machine; with one thread). Results:
benchmarks/results/ensembles.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from common import (
    interleaved,
    mnist1d_tensors,
    mnist_tensors,
    print_table,
    quiet_peers,
    timed,
    write_results,
)


def mnist1d_mlp() -> torch.nn.Module:
    from learnlab.models import build_model

    return build_model("mlp", (1, 40), 10, depth=2, width=100)


def lenet_300_100() -> torch.nn.Module:
    """LeNet-300-100 (LeCun et al. 1998) as the lottery-ticket paper trains it."""
    from torch import nn

    return nn.Sequential(
        nn.Flatten(), nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 100), nn.ReLU(),
        nn.Linear(100, 10),
    )  # fmt: skip


@dataclass
class Task:
    """What every member trains: the network, the data, Adam's learning rates, the batch."""

    name: str
    build: object
    x: torch.Tensor
    y: torch.Tensor
    lrs: list[float]
    batch: int

    def seeds(self) -> list[int]:
        return list(range(len(self.lrs)))


def batched(task: Task, epochs: int, mode: str, out: dict | None = None, n: int | None = None):
    """Seconds to fit the ensemble (on the first n examples); its members' weights into out."""
    from learnlab.scale.ensemble import BatchedEnsemble

    x, y = task.x[:n], task.y[:n]
    ensemble = BatchedEnsemble(task.build, task.seeds(), optimizer="adam", lr=task.lrs, mode=mode)
    seconds = timed(lambda: ensemble.fit(x, y, epochs=epochs, batch_size=task.batch))
    if out is not None:
        out[mode] = [ensemble.member(k).state_dict() for k in range(len(task.lrs))]
    return seconds


def sequential_trainer(task: Task, epochs: int, out: dict | None = None, n: int | None = None):
    from learnlab.data import TensorLoader
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.train.callbacks import LossCurve, NanGuard
    from learnlab.train.optimizers import build_optimizer
    from learnlab.train.trainer import Trainer

    x, y = task.x[:n], task.y[:n]
    models = []

    def run():
        for seed, lr in zip(task.seeds(), task.lrs, strict=True):
            torch.manual_seed(seed)
            net = task.build()
            trainer = Trainer(
                net,
                CrossEntropy(),
                build_optimizer("adam", net.parameters(), lr=lr),
                callbacks=[NanGuard(), LossCurve()],
            )
            trainer.fit(TensorLoader(x, y, batch_size=task.batch, seed=seed), epochs=epochs)
            models.append(net)

    seconds = timed(run)
    if out is not None:
        out["sequential"] = [m.state_dict() for m in models]
    return seconds


def sequential_lightning(task: Task, epochs: int) -> float:
    import pytorch_lightning as pl

    class Module(pl.LightningModule):
        def __init__(self, lr):
            super().__init__()
            self.net, self.lr = task.build(), lr

        def training_step(self, batch, batch_index):
            return F.cross_entropy(self.net(batch[0]), batch[1])

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=self.lr)

    def run():
        for seed, lr in zip(task.seeds(), task.lrs, strict=True):
            torch.manual_seed(seed)
            module = Module(lr)
            loader = torch.utils.data.DataLoader(
                torch.utils.data.TensorDataset(task.x, task.y),
                batch_size=task.batch,
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


def max_difference(ours: list[dict], theirs: list[dict]) -> float:
    """The largest |weight difference| between members and their sequential runs."""
    return max(
        float((a - b).abs().max())
        for one, other in zip(ours, theirs, strict=True)
        for a, b in zip(one.values(), other.values(), strict=True)
    )


def drift(task: Task, epochs: int, weights: dict) -> dict[str, float]:
    """Fast mode's max |weight difference| from the sequential runs: after 1 step (one epoch on
    the first batch of examples), after 1 epoch, and after the timed `epochs` (from `weights`)."""
    result = {}
    for label, n, run_epochs in (("1 step", task.batch, 1), ("1 epoch", None, 1)):
        if label == "1 epoch" and epochs == 1:
            continue  # the timed runs give it
        out: dict = {}
        batched(task, run_epochs, "fast", out, n)
        sequential_trainer(task, run_epochs, out, n)
        result[label] = max_difference(out["fast"], out["sequential"])
    label = "1 epoch" if epochs == 1 else f"{epochs} epochs"
    result[label] = max_difference(weights["fast"], weights["sequential"])
    return result


def with_cpu_time(way, cpu: list[float]):
    """`way`, also appending the CPU seconds of each call (this process, all threads) to `cpu`:
    on a shared machine, where other load steals wall time, the fairer measure of work."""

    def run() -> float:
        start = time.process_time()
        seconds = way()
        cpu.append(time.process_time() - start)
        return seconds

    return run


def compare(task: Task, epochs: int, repeats: int, lightning: bool) -> dict:
    """Time the ways side by side; the speed-ups and fast mode's drift."""
    weights: dict = {}
    ways = {
        "batched ensemble, exact": lambda: batched(task, epochs, "exact", weights),
        "batched ensemble, fast": lambda: batched(task, epochs, "fast", weights),
        "sequential learnlab Trainer": lambda: sequential_trainer(task, epochs, weights),
    }
    if lightning:
        ways["sequential Lightning"] = lambda: sequential_lightning(task, epochs)
    cpu: dict[str, list[float]] = {name: [] for name in ways}
    ways = {name: with_cpu_time(way, cpu[name]) for name, way in ways.items()}
    stats = interleaved(ways, repeats, warmup=False)
    for name, seconds in cpu.items():
        stats[name]["cpu_median"] = statistics.median(seconds)
    sequential = stats["sequential learnlab Trainer"]
    rows = [
        [name, f"{s['median']:.2f}", f"{s['min']:.2f}-{s['max']:.2f}",
         f"{sequential['median'] / s['median']:.1f}x", f"{s['cpu_median']:.2f}",
         f"{sequential['cpu_median'] / s['cpu_median']:.1f}x"]
        for name, s in stats.items()
    ]  # fmt: skip
    members = len(task.lrs)
    print_table(
        f"{members} {task.name}, {epochs} epochs of {len(task.x)} examples, Adam, batch "
        f"{task.batch}, {torch.get_num_threads()} threads (median of {repeats})",
        ["way", "seconds", "min-max", "speed-up", "CPU seconds", "CPU speed-up"],
        rows,
    )
    exact = max_difference(weights["exact"], weights["sequential"])
    drifts = drift(task, epochs, weights)
    speedups = {name: sequential["median"] / s["median"] for name, s in stats.items()}
    cpu_speedups = {name: sequential["cpu_median"] / s["cpu_median"] for name, s in stats.items()}
    print(
        f"exact mode: {speedups['batched ensemble, exact']:.1f}x sequential, max |weight "
        f"difference| {exact:.2e} (target 0); fast mode: "
        f"{speedups['batched ensemble, fast']:.1f}x sequential (target >= 6x; CPU time "
        f"{cpu_speedups['batched ensemble, fast']:.1f}x), drift "
        + ", ".join(f"{label} {value:.2e}" for label, value in drifts.items())
    )
    return {
        "members": members,
        "epochs": epochs,
        "examples": len(task.x),
        "batch": task.batch,
        "seconds": stats,
        "speedup_vs_sequential_trainer": speedups,
        "cpu_time_speedup_vs_sequential_trainer": cpu_speedups,
        "threads": torch.get_num_threads(),
        "exact_max_abs_weight_difference": exact,
        "fast_drift_max_abs_weight_difference": drifts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--mnist-examples", type=int, default=6000)
    parser.add_argument("--mnist-epochs", type=int, default=1)
    args = parser.parse_args()
    quiet_peers()
    import importlib.util

    lightning = importlib.util.find_spec("pytorch_lightning") is not None
    k = args.members
    x, y = mnist1d_tensors()
    lrs = [1e-3 * (1 + i / k) for i in range(k)]
    results = {
        "mnist1d": compare(Task("MNIST-1D MLPs", mnist1d_mlp, x, y, lrs, 64), args.epochs,
                           args.repeats, lightning)
    }  # fmt: skip
    if args.mnist_examples > 0:
        x, y, _, _ = mnist_tensors(args.mnist_examples, flat=True)
        task = Task("MNIST LeNet-300-100s", lenet_300_100, x, y, [1.2e-3] * k, 60)
        results["mnist"] = compare(task, args.mnist_epochs, args.repeats, lightning=False)
    path = write_results("ensembles", {"repeats": args.repeats, **results})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
