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

The ceiling at each batch: "products alone" times the step's eight matrix products by
themselves (the three forward `addmm`s, the three weight-gradient and two input-gradient `mm`s,
with the operand layouts autograd uses), so its GFLOP/s is what the step would reach if
everything else cost nothing. At the parts batch (64) the step is also split: forward and
backward without the optimizer, and the Adam step alone, fused (the Trainer's default) and
foreach. "paired" fractions are the median over repeats of each repeat's ratio to the peak
measured next to it.
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
PARTS_BATCH = 64
TARGET = {64: 0.60}  # issue 19: batch 64 at >= 60% of the peak


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


def step_products(batch: int, seed: int = 0):
    """The step's matrix products as autograd runs them: (name, product) pairs."""
    g = torch.Generator().manual_seed(seed)
    weights = [torch.randn(o, i, generator=g) for i, o in LAYERS]
    biases = [torch.randn(o, generator=g) for _, o in LAYERS]
    inputs = [torch.randn(batch, i, generator=g) for i, _ in LAYERS]
    grads = [torch.randn(batch, o, generator=g) for _, o in LAYERS]
    products = []
    for k, (w, b, a, d) in enumerate(zip(weights, biases, inputs, grads, strict=True)):
        products.append((f"forward {k + 1}", lambda w=w, b=b, a=a: torch.addmm(b, a, w.t())))
        # linear's weight gradient, laid out like the weight: grad^T (a transposed view) @ input
        products.append((f"weight grad {k + 1}", lambda a=a, d=d: d.t().mm(a)))
        if k > 0:  # the first layer's input needs no gradient
            products.append((f"input grad {k + 1}", lambda w=w, d=d: d.mm(w)))
    return products


def products_step(batch: int, steps: int) -> float:
    """Seconds per step of the step's matrix products alone. The same operands every step, so
    they stay in cache: an upper bound on what the products reach inside a step."""
    products = [product for _, product in step_products(batch)]

    def run():
        for _ in range(steps):
            for product in products:
                product()

    return timed(run) / steps


def forward_backward_step(x, y, batch: int) -> float:
    """Forward, loss and backward on consecutive batches: the hand-written loop without its
    gather and its optimizer step."""
    net = build()
    params = list(net.parameters())
    steps = len(x) // batch

    def run():
        for i in range(steps):
            loss = F.cross_entropy(
                net(x[i * batch : (i + 1) * batch]), y[i * batch : (i + 1) * batch]
            )
            for p in params:
                p.grad = None
            loss.backward()

    return timed(run) / steps


def optimizer_step(kernel: str, steps: int) -> float:
    """Seconds of one Adam step on the MLP's parameters (gradients given): `kernel` is
    "fused" (learnlab's default, `build_optimizer`) or "foreach" (torch's multi-tensor)."""
    from learnlab.train.optimizers import build_optimizer

    net = build()
    for p in net.parameters():
        p.grad = torch.randn_like(p) * 1e-3
    if kernel == "fused":
        optimizer = build_optimizer("adam", net.parameters(), lr=1e-3)
    else:
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3, foreach=True)
    optimizer.step()  # creates the state
    return timed(lambda: [optimizer.step() for _ in range(steps)]) / steps


def plot(results: list[dict], peak_gflops: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for way, marker in (
        ("learnlab Trainer", "o"),
        ("hand-written loop", "s"),
        ("products alone", "^"),
    ):
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
    RESULTS.mkdir(parents=True, exist_ok=True)
    fig.savefig(RESULTS / "roofline.png", dpi=120)
    plt.close(fig)


STEP_WAYS = ("learnlab Trainer", "hand-written loop", "products alone", "forward + backward")


def measure_batch(x, y, batch: int, steps: int | None, repeats: int) -> dict:
    """The ways at one batch size, in turn `repeats` times: {way: interleaved stats}."""
    n = min(len(x), batch * (steps or max(20, 20_000 // batch)))
    xs, ys = x[:n].contiguous(), y[:n].contiguous()
    ways = {
        "matmul peak": matmul_peak_seconds,
        "learnlab Trainer": lambda: trainer_step(xs, ys, batch),
        "hand-written loop": lambda: hand_step(xs, ys, batch),
        "products alone": lambda: products_step(batch, n // batch),
    }
    if batch == PARTS_BATCH:
        ways["forward + backward"] = lambda: forward_backward_step(xs, ys, batch)
        ways["Adam step, fused"] = lambda: optimizer_step("fused", n // batch)
        ways["Adam step, foreach"] = lambda: optimizer_step("foreach", n // batch)
    return interleaved(ways, repeats)


def result_row(batch: int, way: str, stats: dict) -> dict:
    peak_times = stats["matmul peak"]["all"]
    seconds = stats[way]["median"]
    flops = step_flop(batch) / seconds
    peak = 2 * PEAK_N**3 / stats["matmul peak"]["median"]
    paired = [
        step_flop(batch) / t / (2 * PEAK_N**3 / pt)
        for t, pt in zip(stats[way]["all"], peak_times, strict=True)
    ]
    return {
        "batch_size": batch,
        "way": way,
        "seconds_per_step": seconds,
        "gflops": flops / 1e9,
        "peak_gflops_same_run": peak / 1e9,
        "fraction_of_peak": flops / peak,
        "fraction_of_peak_paired": statistics.median(paired),
        "fraction_of_peak_min_max": [min(paired), max(paired)],
    }


def print_parts(stats: dict) -> dict:
    """Where the parts batch's Trainer step goes; returns the seconds of each part."""
    trainer = stats["learnlab Trainer"]["median"]
    parts = {
        way: stats[way]["median"]
        for way in (
            "products alone",
            "forward + backward",
            "Adam step, fused",
            "Adam step, foreach",
        )
    }
    # a step can be no faster than its products plus its optimizer step: the best fraction of
    # the peak that any removal of overhead could reach with this optimizer
    bound = {
        f"products + {way}": parts["products alone"] + parts[way]
        for way in ("Adam step, fused", "Adam step, foreach")
    }
    peak = 2 * PEAK_N**3 / stats["matmul peak"]["median"]
    rows = [
        [way, f"{1e3 * s:.3f}", f"{100 * s / trainer:.0f}%", ""]
        for way, s in {**parts, "learnlab Trainer": trainer}.items()
    ]
    rows += [
        [
            way,
            f"{1e3 * s:.3f}",
            f"{100 * s / trainer:.0f}%",
            f"{100 * step_flop(PARTS_BATCH) / s / peak:.0f}%",
        ]
        for way, s in bound.items()
    ]
    print_table(
        f"Batch {PARTS_BATCH}: the parts of a step (medians); a step takes at least its products "
        "plus its optimizer step",
        ["part", "ms", "of the Trainer's step", "bound: of peak"],
        rows,
    )
    return {
        "batch_size": PARTS_BATCH,
        "trainer_seconds": trainer,
        "seconds": parts,
        "bound_fraction_of_peak": {
            way: step_flop(PARTS_BATCH) / s / peak for way, s in bound.items()
        },
    }


def print_targets(results: list[dict]) -> None:
    ours = {r["batch_size"]: r["fraction_of_peak"] for r in results if r["way"] == STEP_WAYS[0]}
    reached = [b for b, f in ours.items() if f >= 0.75]
    print(
        "target: the MLP step reaches >= 75% of the matmul peak: "
        + ", ".join(f"batch {b} {100 * f:.0f}%" for b, f in ours.items())
        + (f" (reached from batch {min(reached)})" if reached else " (not reached)")
    )
    for batch, target in TARGET.items():
        rows = {r["way"]: r for r in results if r["batch_size"] == batch}
        if not rows:
            continue
        paired = {way: 100 * r["fraction_of_peak_paired"] for way, r in rows.items()}
        met = paired[STEP_WAYS[0]] >= 100 * target
        print(
            f"target (issue 19): batch {batch} Trainer >= {100 * target:.0f}% of the peak, "
            f"paired: Trainer {paired[STEP_WAYS[0]]:.0f}%, hand loop {paired[STEP_WAYS[1]]:.0f}%, "
            f"products alone (the ceiling) {paired[STEP_WAYS[2]]:.0f}% "
            f"({'met' if met else 'not met'})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batches", type=int, nargs="+", default=list(BATCHES))
    parser.add_argument(
        "--steps", type=int, default=None, help="steps per timing (default: ~20k examples)"
    )
    args = parser.parse_args()
    x, y, _, _ = mnist_tensors()
    rows, results, peaks, parts = [], [], [], None
    for batch in args.batches:
        stats = measure_batch(x, y, batch, args.steps, args.repeats)
        peak = 2 * PEAK_N**3 / stats["matmul peak"]["median"]
        peaks.append(peak)
        rows.append([str(batch), "matmul peak (2048^3)", "", f"{peak / 1e9:.1f}", "", "100%", ""])
        for way in (w for w in STEP_WAYS if w in stats):
            row = result_row(batch, way, stats)
            results.append(row)
            rows.append(
                [
                    str(batch),
                    way,
                    f"{1e3 * row['seconds_per_step']:.2f}",
                    f"{row['gflops']:.1f}",
                    f"{row['peak_gflops_same_run']:.1f}",
                    f"{100 * row['fraction_of_peak']:.0f}%",
                    f"{100 * row['fraction_of_peak_paired']:.0f}%",
                ]
            )
        if batch == PARTS_BATCH:
            parts = stats
    print_table(
        f"MLP 784-512-512-10 training step against the float32 matmul peak "
        f"(median of {args.repeats})",
        ["batch", "way", "ms/step", "GFLOP/s", "peak GFLOP/s", "of peak", "paired"],
        rows,
    )
    print_targets(results)
    step_parts = print_parts(parts) if parts is not None else None
    peak_gflops = statistics.median(peaks) / 1e9
    plot(results, peak_gflops)
    path = write_results(
        "roofline",
        {
            "repeats": args.repeats,
            "peak_gflops": peak_gflops,
            "results": results,
            "step_parts": step_parts,
        },
    )
    print(f"wrote {path} and {RESULTS / 'roofline.png'}")


if __name__ == "__main__":
    main()
