"""Time to 99.0% MNIST test accuracy: learnlab's mnist-speedrun recipe against the classic
PyTorch MNIST example recipe, on this machine.

    .venv/bin/python benchmarks/time_to_99.py [--seeds 0 1 2] [--classic-epochs 5]

The classic recipe, reimplemented from its description: the PyTorch examples' MNIST CNN
(conv 32-64 3x3, max pool, dropout 0.25, fc 128, dropout 0.5; learnlab's "mnist-cnn"),
Adadelta with lr 1.0, StepLR with gamma 0.7 per epoch, batch 64 from a torch DataLoader,
inputs normalised with mean 0.1307 and std 0.3081. It is timed to the end of the first epoch
whose test accuracy is at or above 99.0%. Both sides count training time only (the test-set
evaluation after each epoch is not timed). Results: benchmarks/results/time_to_99.json.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import torch
import torch.nn.functional as F
from common import mnist_tensors, print_table, write_results

TARGET = 0.99


def classic(seed: int, max_epochs: int) -> dict:
    from learnlab.models import build_model

    x, y, xt, yt = mnist_tensors()
    torch.manual_seed(seed)
    net = build_model("mnist-cnn", (1, 28, 28), 10)
    optimizer = torch.optim.Adadelta(net.parameters(), lr=1.0)
    schedule = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, y),
        batch_size=64,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    seconds, history = 0.0, []
    for epoch in range(1, max_epochs + 1):
        net.train()
        start = time.perf_counter()
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(net(xb), yb)
            loss.backward()
            optimizer.step()
        schedule.step()
        seconds += time.perf_counter() - start
        net.eval()
        with torch.no_grad():
            correct = sum(
                int((net(xt[i : i + 1000]).argmax(1) == yt[i : i + 1000]).sum())
                for i in range(0, len(xt), 1000)
            )
        accuracy = correct / len(xt)
        history.append({"epoch": epoch, "test_accuracy": accuracy, "train_seconds": seconds})
        print(f"  classic seed {seed} epoch {epoch}: {100 * accuracy:.2f}% after {seconds:.1f} s")
        if accuracy >= TARGET:
            return {
                "seed": seed,
                "reached": True,
                "seconds": seconds,
                "epochs": epoch,
                "test_accuracy": accuracy,
                "history": history,
            }
    return {
        "seed": seed,
        "reached": False,
        "seconds": seconds,
        "epochs": max_epochs,
        "test_accuracy": history[-1]["test_accuracy"],
        "history": history,
    }


def speedrun(seed: int) -> dict:
    from learnlab.recipes.runner import run_recipe

    with tempfile.TemporaryDirectory() as folder:
        summary = run_recipe(
            "mnist-speedrun", {"seeds": [seed]}, run_dir=f"{folder}/run", index=False
        ).summary
    seed_result = summary["per_seed"][0]
    accuracy, seconds = seed_result["test_accuracy"], seed_result["train_seconds"]
    print(f"  mnist-speedrun seed {seed}: {100 * accuracy:.2f}% after {seconds:.1f} s")
    return {
        "seed": seed,
        "reached": accuracy >= TARGET,
        "seconds": seconds,
        "test_accuracy": accuracy,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--classic-seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--classic-epochs", type=int, default=5)
    args = parser.parse_args()
    ours = [speedrun(s) for s in args.seeds]
    theirs = [classic(s, args.classic_epochs) for s in args.classic_seeds]
    rows = []
    for name, runs in (("learnlab mnist-speedrun", ours), ("classic PyTorch example", theirs)):
        for r in runs:
            rows.append(
                [
                    name,
                    str(r["seed"]),
                    f"{100 * r['test_accuracy']:.2f}%",
                    f"{r['seconds']:.1f}" + ("" if r["reached"] else " (not reached)"),
                ]
            )
    print_table(
        "Time to 99.0% MNIST test accuracy (training seconds)",
        ["recipe", "seed", "test accuracy", "seconds to 99.0%"],
        rows,
    )
    ours_median = statistics.median(r["seconds"] for r in ours)
    theirs_median = statistics.median(r["seconds"] for r in theirs)
    all_reached = all(r["reached"] for r in ours + theirs)
    ratio = ours_median / theirs_median
    print(
        f"target: speedrun time <= 1/10 of the classic: {ratio:.3f} "
        f"({ours_median:.1f} s vs {theirs_median:.1f} s)"
        + ("" if all_reached else "; some runs did not reach 99.0%")
    )
    path = write_results(
        "time_to_99", {"speedrun": ours, "classic": theirs, "ratio_speedrun_to_classic": ratio}
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
