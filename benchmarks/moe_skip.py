"""Mixture of experts: does top-k gating skip the compute of the experts not chosen?

    .venv/bin/python benchmarks/moe_skip.py [--batch 1024] [--dim 128] [--hidden 512] [--repeats 5]
        [--threads N]

For 8 and 16 experts (each an MLP dim -> hidden -> dim, `learnlab.models.mixture_of_experts`),
one forward and backward pass of a batch through the layer with soft gating (every expert on
every example), top-2 and top-1 gating (each example through its chosen experts only), timed
side by side (interleaved repeats, `common.interleaved`). A top-k layer that skips the others
should cost about k/E of soft gating plus the routing (gate, sort, gathers, scatter-add).
Gate noise is off, so that every repeat routes the same way; the gate is random, so the load
is roughly even. Results: benchmarks/results/moe_skip.json.
"""

from __future__ import annotations

import argparse

import torch
from common import interleaved, print_table, timed, write_results


def step(layer: torch.nn.Module, x: torch.Tensor) -> float:
    def run() -> None:
        layer.zero_grad(set_to_none=True)
        layer(x).square().mean().backward()

    return timed(run)


def main() -> None:
    from learnlab.models.mixture_of_experts import MixtureOfExperts

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads (default: torch's)"
    )
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = torch.randn(args.batch, args.dim)
    results, rows = {}, []
    for experts in (8, 16):
        layers = {}
        for gating, k in (("soft", experts), ("topk", 2), ("topk", 1)):
            torch.manual_seed(experts)  # the same gate and experts for the three gatings
            layer = MixtureOfExperts(
                args.dim,
                args.dim,
                experts=experts,
                k=k,
                gating=gating,
                hidden=args.hidden,
                noisy=False,
            )
            layers["soft" if gating == "soft" else f"top-{k}"] = layer
        ways = {name: (lambda layer=layer: step(layer, x)) for name, layer in layers.items()}
        times = interleaved(ways, repeats=args.repeats)
        soft = times["soft"]["median"]
        results[f"experts_{experts}"] = {
            name: {**t, "ratio_to_soft": t["median"] / soft} for name, t in times.items()
        }
        for name, t in times.items():
            ideal = 1.0 if name == "soft" else int(name.split("-")[1]) / experts
            rows.append(
                [
                    f"{experts} experts, {name}",
                    f"{1000 * t['median']:.1f}",
                    f"{1000 * t['min']:.1f}-{1000 * t['max']:.1f}",
                    f"{t['median'] / soft:.3f}",
                    f"{ideal:.3f}",
                ]
            )
    header = ["layer", "ms (median)", "min-max", "time / soft", "k / E"]
    print_table("MoE forward + backward", header, rows)
    path = write_results(
        "moe_skip",
        {
            "settings": vars(args),
            "what": "one forward+backward of a batch through the MoE layer, seconds",
            "results": results,
        },
    )
    print(f"results: {path}")


if __name__ == "__main__":
    main()
