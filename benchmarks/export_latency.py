"""Inference latency of exported models: ONNX in onnxruntime, TorchScript, eager PyTorch.

    .venv/bin/python benchmarks/export_latency.py [--models mlp lenet5] [--batches 1 256]
        [--repeats 7] [--seconds 0.2] [--threads 1]

For the MNIST MLP and LeNet-5 (`learnlab.models`, MNIST-shaped inputs (1, 28, 28); the weights
are the seeded initial ones: latency does not depend on their values), each model is exported
with `learnlab.deploy.export.export_model` (so each file is checked against the eager model
first) to ONNX and TorchScript, and a forward pass of one batch is timed in three ways, side by
side (interleaved repeats, `common.interleaved`): eager PyTorch under torch.inference_mode, the
TorchScript file loaded by torch.jit.load, and the ONNX file in an onnxruntime session on the
CPU (graph optimisations on, as by default). Every way runs on --threads threads (torch and
onnxruntime alike). Each repeat times as many calls as fill about --seconds and reports the
time per call; the table gives medians and the ratios eager / way (above 1: the way is faster).
Results: benchmarks/results/export_latency.json.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch
from common import interleaved, print_table, write_results

INPUT_SHAPE = (1, 28, 28)


def per_call(fn, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def calls_filling(fn, seconds: float) -> int:
    # warm first: TorchScript's profiling executor optimises the graph over the first calls,
    # which are many times slower than the later ones
    per_call(fn, 25)
    once = max(per_call(fn, 5), 1e-7)
    return max(3, round(seconds / once))


def ways_for(model: torch.nn.Module, folder: Path, batch: int) -> dict:
    from learnlab.deploy.export import export_model
    from learnlab.deploy.export_formats import FORMATS

    check = torch.randn(256, *INPUT_SHAPE, generator=torch.Generator().manual_seed(1))
    runners = {}
    for fmt in ("torchscript", "onnx"):
        report = export_model(model, check, fmt, folder / f"model{FORMATS[fmt].suffix}")
        runners[fmt] = FORMATS[fmt].load(report.path)
    x = torch.randn(batch, *INPUT_SHAPE, generator=torch.Generator().manual_seed(2))

    def eager() -> None:
        with torch.inference_mode():
            model(x)

    return {
        "eager": eager,
        "torchscript": lambda: runners["torchscript"](x),
        "onnxruntime": lambda: runners["onnx"](x),
    }


def main() -> None:
    from learnlab.models.registry import build_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["mlp", "lenet5"])
    parser.add_argument("--batches", nargs="+", type=int, default=[1, 256])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.2, help="timed per repeat and way")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)  # the onnxruntime session takes the same count
    results, rows = {}, []
    for name in args.models:
        torch.manual_seed(0)
        model = build_model(name, INPUT_SHAPE, 10).eval()
        for batch in args.batches:
            with tempfile.TemporaryDirectory() as folder:
                ways = ways_for(model, Path(folder), batch)
                calls = {way: calls_filling(fn, args.seconds) for way, fn in ways.items()}
                timed = {
                    way: (lambda fn=fn, n=calls[way]: per_call(fn, n)) for way, fn in ways.items()
                }
                times = interleaved(timed, repeats=args.repeats)
            eager = times["eager"]["median"]
            results[f"{name}_batch_{batch}"] = {
                way: {**t, "calls_per_repeat": calls[way], "eager_over_way": eager / t["median"]}
                for way, t in times.items()
            }
            rows.append(
                [f"{name}, batch {batch}"]
                + [f"{1000 * times[way]['median']:.3f}" for way in ways]
                + [f"{eager / times[way]['median']:.2f}" for way in ("torchscript", "onnxruntime")]
            )
    header = ["model", "eager ms", "torchscript ms", "onnxruntime ms"]
    header += ["eager / torchscript", "eager / onnxruntime"]
    print_table(f"forward pass, {args.threads} thread(s), median of {args.repeats}", header, rows)
    path = write_results(
        "export_latency",
        {
            "settings": vars(args),
            "what": "seconds per forward pass of one batch (median, min, max over repeats)",
            "results": results,
        },
    )
    print(f"results: {path}")


if __name__ == "__main__":
    main()
