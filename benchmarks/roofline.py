"""The roofline: achieved FLOP/s of an MLP training step against the measured peak of a large
float32 matmul on this machine.

    .venv/bin/python benchmarks/roofline.py [--repeats 5]

Peak: a 2048x2048 by 2048x2048 float32 matmul, 2*n^3 FLOP per product. The MLP: 784-512-512-10
(Adam, learnlab's Trainer and a hand-written loop) at several batch sizes. FLOP of one
training step, counted exactly for the matmuls: forward 2*B*sum(in*out); backward 2*B*sum(in*out)
for the weight gradients and 2*B*sum(in*out) over all layers but the first for the input
gradients. Element-wise work (ReLU, softmax, the optimizer) is not counted: it is what keeps a
step below the peak. Results: benchmarks/results/roofline.json.
"""

from __future__ import annotations

import argparse
import time

import torch
from common import interleaved, mnist_tensors, print_table, timed, write_results

LAYERS = [(784, 512), (512, 512), (512, 10)]


def matmul_peak(n: int = 2048, reps: int = 10) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    start = time.perf_counter()
    for _ in range(reps):
        torch.mm(a, b)
    return 2 * n**3 * reps / (time.perf_counter() - start)


def step_flop(batch: int) -> float:
    products = [i * o for i, o in LAYERS]
    return 2 * batch * (2 * sum(products) + sum(products[1:]))


def run_trainer(x, y, batch: int) -> float:
    from learnlab.data import TensorLoader
    from learnlab.models import build_model
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.train.callbacks import LossCurve, NanGuard
    from learnlab.train.optimizers import build_optimizer
    from learnlab.train.trainer import Trainer

    torch.manual_seed(0)
    net = build_model("mlp", (1, 28, 28), 10, depth=2, width=512)
    trainer = Trainer(
        net,
        CrossEntropy(),
        build_optimizer("adam", net.parameters(), lr=1e-3),
        callbacks=[NanGuard(), LossCurve()],
    )
    loader = TensorLoader(x, y, batch_size=batch, drop_last=True, seed=0)
    return timed(lambda: trainer.fit(loader, epochs=1)) / len(loader)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    x, y, _, _ = mnist_tensors(flat=False)
    peaks = [matmul_peak() for _ in range(args.repeats)]
    peak = sorted(peaks)[len(peaks) // 2]
    rows, results = [], []
    for batch in (64, 256, 1024):
        n = min(len(x), batch * max(20, 40_000 // batch))
        xs, ys = x[:n].contiguous(), y[:n].contiguous()
        stats = interleaved(
            {"trainer": lambda xs=xs, ys=ys, b=batch: run_trainer(xs, ys, b)}, args.repeats
        )["trainer"]
        flops = step_flop(batch) / stats["median"]
        results.append(
            {
                "batch_size": batch,
                "seconds_per_step": stats["median"],
                "gflops": flops / 1e9,
                "fraction_of_peak": flops / peak,
            }
        )
        rows.append(
            [
                str(batch),
                f"{1e3 * stats['median']:.2f}",
                f"{flops / 1e9:.1f}",
                f"{100 * flops / peak:.0f}%",
            ]
        )
    print_table(
        f"MLP 784-512-512-10 training step vs matmul peak {peak / 1e9:.1f} GFLOP/s",
        ["batch", "ms/step", "GFLOP/s", "of peak"],
        rows,
    )
    best = max(r["fraction_of_peak"] for r in results)
    print(f"target: the MLP step reaches >= 75% of the matmul peak: {100 * best:.0f}%")
    path = write_results(
        "roofline", {"peak_gflops": peak / 1e9, "peaks": peaks, "results": results}
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
