"""Compression: the inference latency of compressed models against the originals.

    .venv/bin/python benchmarks/compression.py [--batches 1 64 256] [--repeats 50] [--threads N]

LeNet-5 (1x28x28, 10 classes) against its channel-pruned dense copies keeping 50% and 25% of
each convolution's filters (`learnlab.deploy.channels`), and the 784-512-512-10 MLP against
its dynamic int8 copy (`learnlab.deploy.quantize`) and a 90% magnitude-pruned copy (zeros in
dense storage: no speed-up expected). One forward pass of a batch under inference_mode, the
variants of a model timed side by side (interleaved repeats, `common.interleaved`), median and
spread; ratios are the original's median over the variant's. Weights are random: latency does
not depend on their values (dense kernels). Results: benchmarks/results/compression.json.
"""

from __future__ import annotations

import argparse

import torch
from common import interleaved, print_table, timed, write_results


def variants() -> dict[str, dict[str, torch.nn.Module]]:
    from learnlab.deploy.channels import prune_channels
    from learnlab.deploy.magnitude import magnitude_prune
    from learnlab.deploy.quantize import quantize_dynamic_int8
    from learnlab.models import build_model

    torch.manual_seed(0)
    lenet = build_model("lenet5", (1, 28, 28), 10).eval()
    mlp = build_model("mlp", (1, 28, 28), 10, width=512).eval()
    return {
        "lenet5": {
            "original": lenet,
            "channels 50%": prune_channels(lenet, 0.5).model,
            "channels 25%": prune_channels(lenet, 0.25).model,
        },
        "mlp 784-512-512-10": {
            "original": mlp,
            "int8 dynamic": quantize_dynamic_int8(mlp),
            "magnitude 90%": magnitude_prune(mlp, 0.9),
        },
    }


def forward(model: torch.nn.Module, x: torch.Tensor) -> float:
    with torch.inference_mode():
        return timed(lambda: model(x))


def main() -> None:
    from learnlab.deploy.measure import saved_size_bytes

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 64, 256])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    results, rows = {}, []
    for family, models in variants().items():
        sizes = {name: saved_size_bytes(m) for name, m in models.items()}
        for batch in args.batches:
            x = torch.randn(batch, 1, 28, 28)
            ways = {name: (lambda m=m, x=x: forward(m, x)) for name, m in models.items()}
            times = interleaved(ways, repeats=args.repeats)
            base = times["original"]["median"]
            results[f"{family}, batch {batch}"] = {
                name: {**t, "speedup": base / t["median"], "bytes": sizes[name]}
                for name, t in times.items()
            }
            for name, t in times.items():
                rows.append(
                    [
                        f"{family}, batch {batch}, {name}",
                        f"{1000 * t['median']:.3f}",
                        f"{1000 * t['min']:.3f}-{1000 * t['max']:.3f}",
                        f"{base / t['median']:.2f}x",
                        f"{sizes['original'] / sizes[name]:.2f}x",
                    ]
                )
    header = ["model, batch, variant", "ms (median)", "min-max", "speed-up", "smaller"]
    print_table("Inference latency of compressed models", header, rows)
    path = write_results(
        "compression",
        {
            "settings": vars(args),
            "what": "one forward pass of a batch under inference_mode, seconds",
            "results": results,
        },
    )
    print(f"results: {path}")


if __name__ == "__main__":
    main()
