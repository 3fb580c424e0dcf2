"""The roofline: achieved FLOP/s of an MLP training step against the measured peak of a large
float32 matmul on this machine.

    .venv/bin/python benchmarks/roofline.py [--repeats 5]

Peak: a 2048x2048 by 2048x2048 float32 matmul, 2*n^3 FLOP per product. The MLP: 784-512-512-10
on MNIST, Adam, at several batch sizes, trained by learnlab's Trainer and by the best
hand-written loop (torch's fused Adam). FLOP of one training step, counted exactly for the
matmuls: forward 2*B*sum(in*out); backward 2*B*sum(in*out) for the weight gradients and
2*B*sum(in*out) over all layers but the first for the input gradients. Element-wise work (ReLU,
softmax, the optimizer) is not counted: it is what keeps a step below the peak. The peak is
measured in turn with the steps (each repeat measures it again), so that the machine's drift
hits both alike. Results: benchmarks/results/roofline.json and roofline.png.
"""

from __future__ import annotations

import argparse
import statistics

import torch
import torch.nn.functional as F
from common import RESULTS, interleaved, mnist_tensors, print_table, timed, write_results

LAYERS = [(784, 512), (512, 512), (512, 10)]
BATCHES = (64, 128, 256, 512, 1024)
PEAK_N = 2048


def matmul_peak_seconds(reps: int = 10) -> float:
    """Seconds for `reps` products of two 2048x2048 float32 matrices."""
    a, b = torch.randn(PEAK_N, PEAK_N), torch.randn(PEAK_N, PEAK_N)
    torch.mm(a, b)
    return timed(lambda: [torch.mm(a, b) for _ in range(reps)]) / reps


def step_flop(batch: int) -> float:
    products = [i * o for i, o in LAYERS]
    return 2 * batch * (2 * sum(products) + sum(products[1:]))


def build():
    from learnlab.models import build_model

    torch.manual_seed(0)
    return build_model("mlp", (1, 28, 28), 10, depth=2, width=512)


def trainer_step(x, y, batch: int) -> float:
    from learnlab.data import TensorLoader
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.train.callbacks import LossCurve, NanGuard
    from learnlab.train.optimizers import build_optimizer
    from learnlab.train.trainer import Trainer

    net = build()
    trainer = Trainer(
        net,
        CrossEntropy(),
        build_optimizer("adam", net.parameters(), lr=1e-3),
        callbacks=[NanGuard(), LossCurve()],
    )
    loader = TensorLoader(x, y, batch_size=batch, drop_last=True, seed=0)
    return timed(lambda: trainer.fit(loader, epochs=1)) / len(loader)


def hand_step(x, y, batch: int) -> float:
    net = build()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3, fused=True)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
    steps = len(x) // batch

    def run():
        for i in range(steps):
            index = order[i * batch : (i + 1) * batch]
            loss = F.cross_entropy(net(x.index_select(0, index)), y.index_select(0, index))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

    return timed(run) / steps


def plot(results: list[dict], peak_gflops: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for way, marker in (("learnlab Trainer", "o"), ("hand-written loop", "s")):
        rows = [r for r in results if r["way"] == way]
        ax.plot(
            [r["batch_size"] for r in rows], [r["gflops"] for r in rows], marker=marker, label=way
        )
    ax.axhline(peak_gflops, color="k", linestyle="--", label="2048^3 matmul peak")
    ax.axhline(0.75 * peak_gflops, color="grey", linestyle=":", label="75% of peak")
    ax.set_xscale("log", base=2)
    batches = sorted({r["batch_size"] for r in results})
    ax.set_xticks(batches, [str(b) for b in batches])
    ax.set_xlabel("batch size")
    ax.set_ylabel("GFLOP/s (matmul FLOP of the step)")
    ax.set_title("MLP 784-512-512-10 training step, Adam, 2-core CPU")
    ax.set_ylim(0, peak_gflops * 1.15)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(RESULTS / "roofline.png", dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batches", type=int, nargs="+", default=list(BATCHES))
    parser.add_argument(
        "--steps", type=int, default=None, help="steps per timing (default: ~20k examples)"
    )
    args = parser.parse_args()
    x, y, _, _ = mnist_tensors()
    rows, results, peaks = [], [], []
    for batch in args.batches:
        n = min(len(x), batch * (args.steps or max(20, 20_000 // batch)))
        xs, ys = x[:n].contiguous(), y[:n].contiguous()
        stats = interleaved(
            {
                "matmul peak": matmul_peak_seconds,
                "learnlab Trainer": lambda xs=xs, ys=ys, b=batch: trainer_step(xs, ys, b),
                "hand-written loop": lambda xs=xs, ys=ys, b=batch: hand_step(xs, ys, b),
            },
            args.repeats,
        )
        peak = 2 * PEAK_N**3 / stats["matmul peak"]["median"]
        peaks.append(peak)
        for way in ("learnlab Trainer", "hand-written loop"):
            seconds = stats[way]["median"]
            flops = step_flop(batch) / seconds
            results.append(
                {
                    "batch_size": batch,
                    "way": way,
                    "seconds_per_step": seconds,
                    "gflops": flops / 1e9,
                    "peak_gflops_same_run": peak / 1e9,
                    "fraction_of_peak": flops / peak,
                }
            )
            rows.append(
                [
                    str(batch),
                    way,
                    f"{1e3 * seconds:.2f}",
                    f"{flops / 1e9:.1f}",
                    f"{peak / 1e9:.1f}",
                    f"{100 * flops / peak:.0f}%",
                ]
            )
    print_table(
        f"MLP 784-512-512-10 training step against the float32 matmul peak "
        f"(median of {args.repeats})",
        ["batch", "way", "ms/step", "GFLOP/s", "peak GFLOP/s", "of peak"],
        rows,
    )
    ours = {r["batch_size"]: r["fraction_of_peak"] for r in results if r["way"] == rows[0][1]}
    reached = [b for b, f in ours.items() if f >= 0.75]
    print(
        "target: the MLP step reaches >= 75% of the matmul peak: "
        + ", ".join(f"batch {b} {100 * f:.0f}%" for b, f in ours.items())
        + (f" (reached from batch {min(reached)})" if reached else " (not reached)")
    )
    peak_gflops = statistics.median(peaks) / 1e9
    plot(results, peak_gflops)
    path = write_results(
        "roofline",
        {"repeats": args.repeats, "peak_gflops": peak_gflops, "results": results},
    )
    print(f"wrote {path} and {RESULTS / 'roofline.png'}")


if __name__ == "__main__":
    main()
