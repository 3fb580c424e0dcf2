"""`make bench` in miniature: every benchmark script runs end to end on tiny settings and writes
its JSON (into a temporary folder, never over benchmarks/results). Catches a benchmark broken by
a change of learnlab's API long before someone runs the hour-long `make bench`. The timings of
these runs mean nothing; the real ones are in docs/performance.md.

The scripts run as `python SCRIPT.py ARGS` would (as `__main__`, from benchmarks/, with their
own argv), several one after the other in one process: starting Python and importing torch
costs about 3.5 s of CPU a process, most of what a tiny run costs."""

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
    # two: a single NAME runs in the command's own process, not as a batch's timed job
    "reproduce_all": ["--quick", "--names", "teacher-student-width", "interpolation"]
    + ["--jobs", "1"],
}
# the scripts in this many processes (tests), each running its share one after the other
PROCESSES = 4

# runs each (script, argv) of the JSON list in argv[1] as `python SCRIPT ARGV` would, and
# prints one JSON line per script: its exit status and the tail of its traceback
RUNNER = """
import contextlib, io, json, os, runpy, sys, traceback
for script, argv in json.loads(sys.argv[1]):
    sys.argv = [script, *argv]
    sys.path[0] = os.getcwd()  # `from common import ...`, as for `python SCRIPT`
    status, error = 0, ""
    output = io.StringIO()
    try:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            runpy.run_path(script, run_name="__main__")
    except SystemExit as stop:  # sys.exit(message or status), as a script's exit
        status = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        error = "" if status == 0 else str(stop.code)
    except BaseException:
        status, error = 1, traceback.format_exc()
    if status:
        error = (output.getvalue() + error)[-3000:]
    print(json.dumps({"script": script, "status": status, "error": error}), flush=True)
"""


def test_every_benchmark_is_covered():
    scripts = {p.stem for p in BENCHMARKS.glob("*.py")} - {"common"}
    assert scripts == set(SMOKE_ARGS) | {"time_to_99", "torch_versions"}


@pytest.mark.parametrize("share", range(PROCESSES))
def test_benchmarks_run_on_tiny_settings(share, tmp_path):
    names = list(SMOKE_ARGS)[share::PROCESSES]  # the slow ones are spread by their order
    jobs = [[f"{name}.py", SMOKE_ARGS[name]] for name in names]
    env = {**os.environ, "LEARNLAB_BENCH_RESULTS": str(tmp_path), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, json.dumps(jobs)],
        cwd=BENCHMARKS,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    outcomes = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [o["script"] for o in outcomes] == [f"{name}.py" for name in names], done.stdout
    failed = {o["script"]: o["error"] for o in outcomes if o["status"] != 0}
    assert not failed, "\n\n".join(f"{script}:\n{error}" for script, error in failed.items())
    for name in names:
        result = json.loads((tmp_path / f"{name}.json").read_text())
        assert result["benchmark"] == name and result["machine"]["torch"]


def test_a_failing_benchmark_is_reported_with_its_error(tmp_path):
    """The runner above can fail: a script that exits with a message is named with it."""
    (tmp_path / "broken.py").write_text('import sys\nsys.exit("broken on purpose")\n')
    (tmp_path / "fine.py").write_text('print("fine")\n')
    jobs = [["broken.py", []], ["fine.py", []]]
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, json.dumps(jobs)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    outcomes = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(o["script"], o["status"]) for o in outcomes] == [("broken.py", 1), ("fine.py", 0)]
    assert "broken on purpose" in outcomes[0]["error"]
