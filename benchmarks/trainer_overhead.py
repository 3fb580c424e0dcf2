"""Per-step time of learnlab's Trainer against a hand-written loop, side by side in one run.

    .venv/bin/python benchmarks/trainer_overhead.py [--steps 600] [--repeats 5]

Three ways to train the same model on the same in-memory MNIST batches for the same number
of steps: a hand-written loop over tensor slices, learnlab's Trainer with TensorLoader and
the callbacks `learnlab train` uses (NaN guard, loss curve; no progress bar), and a plain loop
over torch's DataLoader. Each is repeated and the median per-step time is reported, with its
ratio to the hand-written loop. Results go to benchmarks/results/trainer_overhead.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from learnlab.data import TensorLoader, load_dataset, normalize
from learnlab.models import build_model
from learnlab.objectives.supervised import CrossEntropy
from learnlab.train.callbacks import LossCurve, NanGuard
from learnlab.train.trainer import Trainer

RESULTS = Path(__file__).parent / "results" / "trainer_overhead.json"


def make_data(n: int):
    ds = load_dataset("mnist")
    x = normalize(ds.train.x[:n], scale=ds.scale, mean=ds.mean, std=ds.std)
    return x, ds.train.y[:n]


def fresh(model_name: str):
    torch.manual_seed(0)
    model = build_model(
        model_name, (1, 28, 28), 10, **({"width": 100, "depth": 1} if model_name == "mlp" else {})
    )
    return model, torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)


def hand_loop(model_name, x, y, batch_size) -> float:
    model, opt = fresh(model_name)
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
    start = time.perf_counter()
    for i in range(0, len(x) - batch_size + 1, batch_size):
        idx = perm[i : i + batch_size]
        loss = F.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def learnlab_trainer(model_name, x, y, batch_size) -> float:
    model, opt = fresh(model_name)
    loader = TensorLoader(x, y, batch_size=batch_size, drop_last=True, seed=0)
    trainer = Trainer(model, CrossEntropy(), opt, callbacks=[NanGuard(), LossCurve()])
    start = time.perf_counter()
    trainer.fit(loader, epochs=1)
    return time.perf_counter() - start


def dataloader_loop(model_name, x, y, batch_size) -> float:
    model, opt = fresh(model_name)
    data = torch.utils.data.TensorDataset(x, y)
    loader = torch.utils.data.DataLoader(
        data,
        batch_size=batch_size,
        shuffle=True,
        drop_last=True,
        generator=torch.Generator().manual_seed(0),
    )
    start = time.perf_counter()
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    x, y = make_data(args.steps * args.batch_size)
    ways = {
        "hand-written loop": hand_loop,
        "learnlab Trainer": learnlab_trainer,
        "torch DataLoader loop": dataloader_loop,
    }
    results = []
    for model_name in ("mlp", "lenet5"):
        times: dict[str, list[float]] = {name: [] for name in ways}
        for _ in range(args.repeats):  # interleaved, so that drift hits every way alike
            for name, way in ways.items():
                times[name].append(way(model_name, x, y, args.batch_size) / args.steps)
        base = statistics.median(times["hand-written loop"])
        for name, values in times.items():
            median = statistics.median(values)
            results.append(
                {
                    "model": model_name,
                    "way": name,
                    "us_per_step": 1e6 * median,
                    "ratio_to_hand_loop": median / base,
                    "overhead_us_per_step": 1e6 * (median - base),
                }
            )
            print(f"{model_name:7s} {name:22s} {1e6 * median:8.1f} us/step  x{median / base:.3f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "trainer_overhead",
                "steps": args.steps,
                "repeats": args.repeats,
                "batch_size": args.batch_size,
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "machine": platform.machine(),
                "processor": platform.processor(),
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
