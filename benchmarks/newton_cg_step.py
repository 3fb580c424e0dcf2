"""One Hessian-free Newton-CG step against one gradient: what does a second-order step cost?

    .venv/bin/python benchmarks/newton_cg_step.py [--batch 1000] [--cg-iters 10] [--repeats 7]
        [--inputs mnist|random] [--threads N]

On the registered `mlp` at its MNIST defaults (784-256-256-10, ReLU, float32) with the
cross-entropy of `--batch` MNIST training images (or random inputs of the same shape), timed
side by side (interleaved repeats, `common.interleaved`):

- gradient: one evaluation of the Trainer-style closure (zero the gradients, forward,
  backward), the unit of cost;
- Newton-CG step: `learnlab.optim.NewtonCG(cg_iters=--cg-iters).step(closure)` from the same
  parameters each time (restored between repeats, outside the timing): the gradient with its
  graph, `cg_iters` Hessian-vector products by double backward, and the evaluation at the trial
  point. cg_tolerance is (nearly) 0 and lambda is `--damping` (10): at the default lambda = 1, CG
  met negative curvature of the MLP's Hessian after 4 iterations and stopped, a cheaper step;
  with 10 it makes all its iterations (the JSON records how many it made).

Each repeat's ratio step / gradient is taken from the two measured side by side; the table
gives the median and the spread. Target (issue 16): <= 20 at 10 CG iterations. Results:
benchmarks/results/newton_cg_step.json.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from common import interleaved, mnist_tensors, print_table, write_results


def mnist_mlp() -> torch.nn.Module:
    from learnlab.models import build_model

    torch.manual_seed(0)
    return build_model("mlp", (1, 28, 28), 10)


def inputs(kind: str, batch: int) -> tuple[torch.Tensor, torch.Tensor]:
    if kind == "mnist":
        x, y, _, _ = mnist_tensors(batch)
        return x, y
    gen = torch.Generator().manual_seed(0)
    return torch.randn(batch, 1, 28, 28, generator=gen), torch.randint(0, 10, (batch,))


def ways(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, cg_iters: int, damping: float):
    """name -> a function timing one gradient or one Newton-CG step; and the steps' records."""
    from learnlab.optim import NewtonCG

    params = list(model.parameters())
    start = [p.detach().clone() for p in params]
    records: list[dict] = []

    def closure(create_graph: bool = False) -> torch.Tensor:
        for p in params:
            p.grad = None
        loss = F.cross_entropy(model(x), y)
        loss.backward(create_graph=create_graph)
        return loss

    def newton_cg_step() -> float:
        with torch.no_grad():
            for p, p0 in zip(params, start, strict=True):
                p.copy_(p0)
        optimizer = NewtonCG(params, damping=damping, cg_iters=cg_iters, cg_tolerance=1e-300)
        began = time.perf_counter()
        optimizer.step(closure)
        seconds = time.perf_counter() - began
        state = optimizer.state[params[0]]
        records.append({k: state[k] for k in ("cg_iterations", "negative_curvature", "ratio")})
        return seconds

    def gradient() -> float:
        began = time.perf_counter()
        closure()
        return time.perf_counter() - began

    return {"gradient": gradient, "newton-cg step": newton_cg_step}, records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1000, help="images per evaluation")
    parser.add_argument("--cg-iters", type=int, default=10)
    parser.add_argument(
        "--damping", type=float, default=10.0, help="lambda: large enough for no negative curvature"
    )
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--inputs", choices=("mnist", "random"), default="mnist")
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    model = mnist_mlp()
    x, y = inputs(args.inputs, args.batch)
    timed_ways, records = ways(model, x, y, args.cg_iters, args.damping)
    times = interleaved(timed_ways, args.repeats)
    ratios = [
        s / g for s, g in zip(times["newton-cg step"]["all"], times["gradient"]["all"], strict=True)
    ]
    spread = {"median": statistics.median(ratios), "min": min(ratios), "max": max(ratios)}
    rows = [
        [name, f"{1000 * t['median']:.1f}", f"{1000 * t['min']:.1f}-{1000 * t['max']:.1f}"]
        for name, t in times.items()
    ]
    threads = torch.get_num_threads()
    title = f"MNIST MLP (784-256-256-10), {args.batch} {args.inputs} images, {threads} thread(s)"
    print_table(title, ["way", "ms (median)", "min-max"], rows)
    iterations = sorted({r["cg_iterations"] for r in records})
    print(
        f"Newton-CG step / gradient at {args.cg_iters} CG iterations: median "
        f"{spread['median']:.1f} (min {spread['min']:.1f}, max {spread['max']:.1f}) over "
        f"{args.repeats} repeats; CG made {iterations} iterations; target <= 20"
    )
    path = write_results(
        "newton_cg_step",
        {
            "settings": vars(args),
            "what": "seconds of one gradient and of one NewtonCG step (cg_iters CG iterations) "
            "of the MNIST MLP, and their ratio per repeat",
            "times": times,
            "ratio": {**spread, "all": ratios},
            "target": 20,
            "steps": records,
        },
    )
    print(f"results: {path}")


if __name__ == "__main__":
    main()
