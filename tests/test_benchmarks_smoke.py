"""`make bench` in miniature: every benchmark script runs end to end on tiny settings and writes
its JSON (into a temporary folder, never over benchmarks/results). Catches a benchmark broken by
a change of learnlab's API long before someone runs the hour-long `make bench`. The timings of
these runs mean nothing; the real ones are in docs/performance.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

# script -> tiny arguments. time_to_99.py is left out: it trains to 99% MNIST accuracy by design
# (minutes); the mnist-speedrun recipe it times has its own tests. torch_versions.py too: it
# installs torch releases into fresh venvs (GBs) and runs the whole suite in each.
SMOKE_ARGS = {
    "throughput": ["--quick", "--repeats", "1", "--models", "mnist1d-mlp"],
    "optimizer_kernels": ["--repeats", "1", "--steps", "3"],
    "ensembles": ["--members", "2", "--epochs", "1", "--repeats", "1", "--mnist-examples", "600"],
    "hessian": ["--batch", "32", "--images", "64", "--steps", "3", "--repeats", "1"],
    "subspace_projection": ["--d", "8", "--repeats", "1"],
    "newton_cg_step": ["--batch", "32", "--cg-iters", "2", "--repeats", "1", "--inputs", "random"],
    "export_latency": ["--models", "mlp", "--batches", "2", "--repeats", "1", "--seconds", "0.01"],
    "moe_skip": ["--batch", "64", "--dim", "16", "--hidden", "32", "--repeats", "1"],
    "moe_inference": ["--batch", "64", "--dim", "16", "--hidden", "32", "--repeats", "1"],
    "roofline": ["--repeats", "1", "--batches", "64", "--steps", "5"],
    "compression": ["--batches", "2", "--repeats", "1"],
    "threads": ["--families", "bilinear", "--sample-seconds", "0.01", "--repeats", "1"]
    + ["--no-demo"],
    "ddp_scaling": ["--steps", "2", "--repeats", "1", "--examples", "2048"],
    "pipeline_parallel": ["--batch", "8", "--width", "8", "--micro-batches", "1", "2"]
    + ["--steps", "2", "--repeats", "1"],
    "consolidation_penalty": ["--steps", "2", "--repeats", "1"],
    "reproduce_all": ["--quick", "--names", "teacher-student-width", "interpolation"]
    + ["--jobs", "1"],
}


def test_every_benchmark_is_covered():
    scripts = {p.stem for p in BENCHMARKS.glob("*.py")} - {"common"}
    assert scripts == set(SMOKE_ARGS) | {"time_to_99", "torch_versions"}


@pytest.mark.parametrize("name", sorted(SMOKE_ARGS))
def test_benchmark_runs_on_tiny_settings(name, tmp_path):
    env = {**os.environ, "LEARNLAB_BENCH_RESULTS": str(tmp_path), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, f"{name}.py", *SMOKE_ARGS[name]],
        cwd=BENCHMARKS,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((tmp_path / f"{name}.json").read_text())
    assert result["benchmark"] == name and result["machine"]["torch"]
