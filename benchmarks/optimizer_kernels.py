"""Optimizer step time by torch kernel: per-tensor loop (torch's CPU default), multi-tensor
("foreach") and fused, side by side, on the parameters of the benchmark models.

    .venv/bin/python benchmarks/optimizer_kernels.py [--repeats 7] [--steps 200]

`learnlab.train.optimizers.build_optimizer` picks the fused kernel where torch has one (SGD,
Adam, AdamW, Adagrad on the CPU and CUDA), foreach otherwise; this measures why.
Results: benchmarks/results/optimizer_kernels.json.
"""

from __future__ import annotations

import argparse

import torch
from common import interleaved, print_table, timed, write_results

MODELS = {"mnist1d-mlp": ((1, 40), 100), "mlp-512": ((1, 28, 28), 512)}
OPTIMIZERS = {
    "sgd+momentum": lambda params, **kw: torch.optim.SGD(params, lr=0.01, momentum=0.9, **kw),
    "adam": lambda params, **kw: torch.optim.Adam(params, lr=1e-3, **kw),
    "adamw": lambda params, **kw: torch.optim.AdamW(params, lr=1e-3, weight_decay=0.01, **kw),
    "adagrad": lambda params, **kw: torch.optim.Adagrad(params, lr=0.01, **kw),
}
KERNELS = {"per-tensor loop": {"foreach": False}, "foreach": {"foreach": True}, "fused": {}}


def step_time(model: str, optimizer: str, kernel: str, steps: int) -> float:
    from learnlab.models import build_model

    shape, width = MODELS[model]
    torch.manual_seed(0)
    params = list(build_model("mlp", shape, 10, depth=2, width=width).parameters())
    for p in params:
        p.grad = torch.randn_like(p) * 1e-3
    options = KERNELS[kernel] if kernel != "fused" else {"fused": True}
    opt = OPTIMIZERS[optimizer](params, **options)

    def run():
        for _ in range(steps):
            opt.step()

    return timed(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    results, rows = [], []
    for model in MODELS:
        for optimizer in OPTIMIZERS:
            stats = interleaved(
                {
                    kernel: (lambda m=model, o=optimizer, k=kernel: step_time(m, o, k, args.steps))
                    for kernel in KERNELS
                },
                args.repeats,
            )
            loop = stats["per-tensor loop"]["median"]
            for kernel, s in stats.items():
                us = 1e6 * s["median"] / args.steps
                results.append(
                    {
                        "model": model,
                        "optimizer": optimizer,
                        "kernel": kernel,
                        "us_per_step_median": us,
                        "us_per_step_min": 1e6 * s["min"] / args.steps,
                        "us_per_step_max": 1e6 * s["max"] / args.steps,
                        "speed_relative_to_loop": loop / s["median"],
                    }
                )
                rows.append([model, optimizer, kernel, f"{us:.1f}", f"{loop / s['median']:.2f}x"])
    print_table(
        f"Optimizer step by kernel (median of {args.repeats}, {args.steps} steps each)",
        ["model", "optimizer", "kernel", "us/step", "speed vs loop"],
        rows,
    )
    path = write_results("optimizer_kernels", {"repeats": args.repeats, "results": results})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
