"""Hessian-vector products and Lanczos on LeNet-5: what does second-order information cost?

    .venv/bin/python benchmarks/hessian.py [--batch 1000] [--images 1000] [--steps 20]
        [--repeats 5] [--threads N]

On LeNet-5 (registry model `lenet5`, float32) with the cross-entropy of `--batch` MNIST
training images, timed side by side (interleaved repeats, `common.interleaved`):

- gradient: one forward and backward pass, the unit of cost;
- double backward: a Hessian-vector product from scratch, reverse over reverse (Pearlmutter
  1994: the gradient of grad L . v; forward, backward with create_graph, backward);
- forward over reverse: the same product by torch.func.jvp of torch.func.grad through
  functional_call (needs an nn.Module, so the closure API cannot use it);
- reverse over forward: torch.func.grad of the directional derivative (torch.func.jvp of the
  loss), through functional_call too;
- product on a kept graph: what learnlab.analysis.hessian_operator.HessianOperator does per
  product once it has built the gradient's graph (one backward through it): the marginal cost
  of each product inside Lanczos, Hutchinson or quadrature.

Then `learnlab.analysis.hessian.top_eigenvalues(closure, params, k=1, steps=--steps)` over
`--images` images, end to end (the gradient's graph, `steps` products, the tridiagonal solve).
Targets (issue 14): a product <= 3x a gradient; 20 Lanczos steps over 1,000 images <= 30 s on
2 cores. Results: benchmarks/results/hessian.json.
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F
from common import interleaved, mnist_tensors, print_table, timed, write_results


def lenet5() -> torch.nn.Module:
    from learnlab.models import build_model

    torch.manual_seed(0)
    return build_model("lenet5", (1, 28, 28), 10)


def product_ways(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> dict:
    """name -> a function timing one gradient or Hessian-vector product."""
    from torch.func import functional_call, grad, jvp

    from learnlab.analysis.hessian import HessianOperator

    params = list(model.parameters())
    names = [n for n, _ in model.named_parameters()]
    tangent = [torch.randn_like(p) for p in params]
    flat_tangent = torch.cat([t.reshape(-1) for t in tangent])

    def closure() -> torch.Tensor:
        return F.cross_entropy(model(x), y)

    def gradient() -> None:
        torch.autograd.grad(closure(), params)

    def double_backward() -> None:
        grads = torch.autograd.grad(closure(), params, create_graph=True)
        torch.autograd.grad(grads, params, grad_outputs=tangent)

    def loss_of(values: tuple[torch.Tensor, ...]) -> torch.Tensor:
        tensors = dict(zip(names, values, strict=True))
        return F.cross_entropy(functional_call(model, tensors, (x,)), y)

    detached = tuple(p.detach() for p in params)

    def forward_over_reverse() -> None:
        jvp(grad(loss_of), (detached,), (tuple(tangent),))

    def directional(values: tuple[torch.Tensor, ...]) -> torch.Tensor:
        return jvp(loss_of, (values,), (tuple(tangent),))[1]

    def reverse_over_forward() -> None:
        grad(directional)(detached)

    operator = HessianOperator(closure, params)
    return {
        "gradient": lambda: timed(gradient),
        "double backward": lambda: timed(double_backward),
        "forward over reverse": lambda: timed(forward_over_reverse),
        "reverse over forward": lambda: timed(reverse_over_forward),
        "product on a kept graph": lambda: timed(lambda: operator(flat_tangent)),
    }


def lanczos_seconds(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int):
    """(wall seconds, CPU seconds of this process, the top eigenvalue) of one Lanczos run: on
    a shared machine the CPU time is the honest figure."""
    from learnlab.analysis.hessian import top_eigenvalues

    params = list(model.parameters())
    cpu = time.process_time()
    wall = time.perf_counter()
    value = top_eigenvalues(lambda: F.cross_entropy(model(x), y), params, 1, steps=steps)[0]
    return time.perf_counter() - wall, time.process_time() - cpu, float(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1000, help="images per product")
    parser.add_argument("--images", type=int, default=1000, help="images for Lanczos")
    parser.add_argument("--steps", type=int, default=20, help="Lanczos steps")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads (default: torch's)"
    )
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    x, y, _, _ = mnist_tensors(max(args.batch, args.images))
    model = lenet5()
    times = interleaved(product_ways(model, x[: args.batch], y[: args.batch]), args.repeats)
    unit = times["gradient"]["median"]
    rows = [
        [name, f"{1000 * t['median']:.1f}", f"{1000 * t['min']:.1f}-{1000 * t['max']:.1f}"]
        + [f"{t['median'] / unit:.2f}"]
        for name, t in times.items()
    ]
    print_table(
        f"LeNet-5, {args.batch} MNIST images", ["way", "ms (median)", "min-max", "x gradient"], rows
    )
    runs = [lanczos_seconds(model, x[: args.images], y[: args.images], args.steps)]
    runs += [lanczos_seconds(model, x[: args.images], y[: args.images], args.steps)]
    wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
    print(
        f"top_eigenvalues, {args.steps} Lanczos steps over {args.images} images: "
        f"{wall:.2f} s wall, {cpu:.2f} s CPU (best of {len(runs)}; "
        f"lambda_max = {runs[0][2]:.4f})"
    )
    path = write_results(
        "hessian",
        {
            "settings": vars(args),
            "what": "seconds per gradient or Hessian-vector product of LeNet-5; seconds of "
            "top_eigenvalues by Lanczos",
            "products": {
                name: {**t, "ratio_to_gradient": t["median"] / unit} for name, t in times.items()
            },
            "lanczos": {
                "wall_seconds": [r[0] for r in runs],
                "cpu_seconds": [r[1] for r in runs],
                "top_eigenvalue": runs[0][2],
            },
        },
    )
    print(f"results: {path}")


if __name__ == "__main__":
    main()
