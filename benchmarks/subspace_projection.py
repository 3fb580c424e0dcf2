"""What one step of subspace training costs in each projection (Li et al. 2018's FC network).

    .venv/bin/python benchmarks/subspace_projection.py [--d 750] [--repeats 5] [--threads 1]

At D = 199,210 (FC 784-200-200-10 on MNIST) and d = `--d`, timed side by side (interleaved
repeats, `common.interleaved`): P theta_d and its backward pass P^T g for the dense projection
drawn in blocks from its seed (never stored whole), the very sparse one (Li, Hastie & Church
2006; CSR) and Fastfood (Le et al. 2013); for scale, one training step of the network itself
(forward and backward of a batch of 128 MNIST images) and one step of the SubspaceModel with
each cheap projection. Also the time to build each projection. The intrinsic-dimension
recipe runs thousands of steps per d, so the projection's cost per step decides its time.
Results: benchmarks/results/subspace_projection.json.
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F
from common import interleaved, mnist_tensors, print_table, timed, write_results

D_FC = 199_210


def fc() -> torch.nn.Module:
    from learnlab.models import build_model

    torch.manual_seed(0)
    return build_model("mlp", (1, 28, 28), 10, depth=2, width=200)


def main() -> None:
    from learnlab.analysis.subspace import SubspaceModel, make_projection

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--d", type=int, default=750)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    built, projections = {}, {}
    for kind in ("dense", "sparse", "fastfood"):
        start = time.perf_counter()
        projections[kind] = make_projection(kind, args.d, D_FC, seed=0)
        built[kind] = time.perf_counter() - start
    theta = torch.randn(args.d, requires_grad=True)

    def projection_step(kind: str):
        def step() -> float:
            return timed(lambda: projections[kind](theta).sum().backward())

        return step

    x, y, _, _ = mnist_tensors(128)
    model = fc()
    subspace = {k: SubspaceModel(model, args.d, k) for k in ("sparse", "fastfood")}

    def training_step(net: torch.nn.Module):
        def step() -> float:
            return timed(lambda: F.cross_entropy(net(x), y).backward())

        return step

    ways = {f"P theta and P^T g, {k}": projection_step(k) for k in projections}
    ways["training step, full network (batch 128)"] = training_step(model)
    for kind, net in subspace.items():
        ways[f"training step, subspace ({kind})"] = training_step(net)
    times = interleaved(ways, args.repeats)
    rows = [
        [name, f"{1000 * t['median']:.2f}", f"{1000 * t['min']:.2f}"] for name, t in times.items()
    ]
    rows += [[f"build {kind}", f"{1000 * s:.0f}", ""] for kind, s in built.items()]
    print_table(
        f"subspace training at D = {D_FC:,}, d = {args.d} ({args.threads} thread(s)), ms",
        ["what", "median", "min"],
        rows,
    )
    nnz = projections["sparse"].nnz
    path = write_results(
        "subspace_projection",
        {
            "D": D_FC,
            "d": args.d,
            "threads": args.threads,
            "sparse_nonzeros": nnz,
            "build_seconds": built,
            "seconds": {k: {"median": v["median"], "min": v["min"]} for k, v in times.items()},
        },
    )
    print(f"sparse non-zeros: {nnz:,} ({nnz / args.d:.0f} per column); results: {path}")


if __name__ == "__main__":
    main()
