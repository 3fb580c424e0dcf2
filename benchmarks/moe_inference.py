"""Mixture of experts at inference: what does hard (top-1) gating save against soft gating?

    .venv/bin/python benchmarks/moe_inference.py [--batch 1024] [--dim 128] [--hidden 512]
        [--repeats 7] [--threads 1]

moe_skip.py times training steps (forward and backward); this times the forward pass alone, as
a deployed model runs it, without autograd: for 8 and 16 experts (each an MLP dim -> hidden ->
dim, `learnlab.models.mixture_of_experts`, one random layer per count), a batch through

- soft gating: every expert on every example, gate-weighted sum;
- top-1, every expert: every expert on every example, the chosen output kept
  (`learnlab.deploy.inference_cost.every_expert_selected`: hard gating without the saving);
- top-1, dispatched: the examples grouped by their chosen expert, each expert run once on its
  own rows (`hard_gated_forward`).

FLOPs per example (torch's FlopCounterMode, 2 per multiply-add) and the median time per
example of interleaved repeats on the same batch (`measure_inference`, one torch thread by
default). Dispatch should cost about 1/E of soft gating in FLOPs; the time ratio says how much
of that the routing (sort, gathers, writes) lets through. The gate is random, so the load is
roughly even. Results: benchmarks/results/moe_inference.json.
"""

from __future__ import annotations

import argparse

import torch
from common import print_table, write_results


def main() -> None:
    from learnlab.deploy.inference_cost import (
        every_expert_selected,
        hard_gated_forward,
        measure_inference,
    )
    from learnlab.models.mixture_of_experts import MixtureOfExperts

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1, help="torch threads while timing")
    args = parser.parse_args()
    torch.manual_seed(0)
    x = torch.randn(args.batch, args.dim)
    results, rows = {}, []
    for experts in (8, 16):
        torch.manual_seed(experts)
        layer = MixtureOfExperts(
            args.dim, args.dim, experts=experts, k=1, gating="soft", hidden=args.hidden
        ).eval()
        ways = {
            "soft": layer,
            "top-1, every expert": lambda b, layer=layer: every_expert_selected(layer, b),
            "top-1, dispatched": lambda b, layer=layer: hard_gated_forward(layer, b),
        }
        costs = measure_inference(ways, x, repeats=args.repeats, threads=args.threads)
        soft = costs["soft"]
        results[f"experts_{experts}"] = {
            name: {
                "flops_per_example": c.flops,
                "seconds_per_example": {
                    "median": c.seconds,
                    "min": c.seconds_min,
                    "max": c.seconds_max,
                },
                "time_ratio_to_soft": c.seconds / soft.seconds,
                "flops_ratio_to_soft": c.flops / soft.flops,
            }
            for name, c in costs.items()
        }
        for name, c in costs.items():
            rows.append(
                [
                    f"{experts} experts, {name}",
                    f"{c.flops:,.0f}",
                    f"{1e6 * c.seconds:.2f}",
                    f"{1e6 * c.seconds_min:.2f}-{1e6 * c.seconds_max:.2f}",
                    f"{c.flops / soft.flops:.3f}",
                    f"{c.seconds / soft.seconds:.3f}",
                ]
            )
    header = ["layer", "FLOPs / example", "us / example", "min-max", "FLOPs / soft", "time / soft"]
    print_table("MoE inference (forward only, no autograd)", header, rows)
    path = write_results(
        "moe_inference",
        {
            "settings": vars(args),
            "what": "forward pass of a batch through the MoE layer, per example",
            "results": results,
        },
    )
    print(f"results: {path}")


if __name__ == "__main__":
    main()
