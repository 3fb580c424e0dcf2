"""DDP scaling: the 784-512-512-10 MLP on MNIST at global batch 512, 1 process against 2.

    .venv/bin/python benchmarks/ddp_scaling.py [--steps 40] [--repeats 3] [--examples 60000]

One process (1 thread) trains on batches of 512; then torchrun (torch.distributed.run) starts
2 processes (1 thread each, gloo) that train the same model through learnlab's data-parallel
path (`learnlab.scale.distributed.data_parallel`: DistributedDataParallel with the exactly
weighted all-reduce, each rank its 256 examples of every global batch of the sharded
TensorLoader). The two are run in turn `repeats` times (common.interleaved's idea: drift of
the machine hits both alike); each measurement is the median seconds per optimizer step over
`steps` steps after 5 warm-up steps.

Where a DDP step's time goes, measured on rank 0 in the same launch:
  compute     the same forward, backward and optimizer step on the rank's 256 examples with
              DDP's communication switched off (`no_sync`);
  all-reduce  a bare all_reduce of one float32 tensor of the model's size (the gradient);
  other       the rest: DDP's bucketing and hooks, waiting for the slower rank, minus the
              overlap of communication with the backward pass.
Speed-up = (1-process step) / (2-process step); efficiency = speed-up / 2 (ideal 1.0 on 2
free cores). Results: benchmarks/results/ddp_scaling.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from common import mnist_tensors, print_table, write_results

BATCH = 512
WARMUP = 5


def build():
    from learnlab.models import build_model
    from learnlab.objectives.supervised import CrossEntropy

    torch.manual_seed(0)
    model = build_model("mlp", (1, 28, 28), 10, depth=2, width=512)
    return model, CrossEntropy(), torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)


def loader(n: int, rank: int = 0, world: int = 1):
    from learnlab.data.loader import TensorLoader

    x, y, _, _ = mnist_tensors(n)
    return TensorLoader(x, y, batch_size=BATCH, seed=0, rank=rank, world_size=world)


def step_seconds(model, objective, optimizer, batches, steps: int, context=None) -> float:
    """Median seconds per step (forward, backward, optimizer step) over `steps` steps."""
    times = []
    for i in range(WARMUP + steps):
        batch = next(batches)
        start = time.perf_counter()
        with context() if context is not None else _nothing():
            loss, _ = objective(model, batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
        optimizer.step()
        if i >= WARMUP:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def endless(batches_of):
    while True:
        yield from batches_of


def one_process(steps: int, examples: int) -> float:
    torch.set_num_threads(1)
    model, objective, optimizer = build()
    model.train()
    return step_seconds(model, objective, optimizer, endless(loader(examples)), steps)


def worker(steps: int, examples: int, out: Path) -> None:
    """One rank of the torchrun launch: DDP steps, compute-only steps, bare all-reduces."""
    import torch.distributed as dist

    from learnlab.scale import distributed as ddp

    ddp.join()
    torch.set_num_threads(1)
    rank, world = ddp.rank(), ddp.world_size()
    model, objective, optimizer = build()
    model.train()
    data = loader(examples, rank, world)
    parallel = ddp.data_parallel(model, objective, data)
    batches = endless(data)
    total = step_seconds(model, parallel, optimizer, batches, steps)
    # the same steps without communication: DDP's no_sync, on the DDP-wrapped model
    compute = step_seconds(model, parallel, optimizer, batches, steps, parallel.ddp.no_sync)
    flat = torch.zeros(sum(p.numel() for p in model.parameters()))
    reduces = []
    for i in range(WARMUP + steps):
        dist.barrier()
        start = time.perf_counter()
        dist.all_reduce(flat)
        if i >= WARMUP:
            reduces.append(time.perf_counter() - start)
    if rank == 0:
        record = {"step": total, "compute": compute, "allreduce": statistics.median(reduces)}
        out.write_text(json.dumps(record))
    ddp.leave()


def two_processes(steps: int, examples: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "rank0.json"
        env = {**os.environ, "OMP_NUM_THREADS": "1", "LEARNLAB_THREADS": "1"}
        command = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node=2"]
        command += ["--max-restarts=0", __file__, "--worker", str(out)]
        command += ["--steps", str(steps), "--examples", str(examples)]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise SystemExit(f"the 2-process run failed:\n{done.stderr[-3000:]}")
        return json.loads(out.read_text())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--examples", type=int, default=60_000)
    p.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker is not None:
        worker(args.steps, args.examples, args.worker)
        return
    ones, twos = [], []
    for _ in range(args.repeats):  # in turn, so that the machine's drift hits both alike
        ones.append(one_process(args.steps, args.examples))
        twos.append(two_processes(args.steps, args.examples))
    one = statistics.median(ones)
    two = {k: statistics.median(t[k] for t in twos) for k in twos[0]}
    two["other"] = two["step"] - two["compute"] - two["allreduce"]
    speedup = one / two["step"]
    rows = [
        ["1 process, batch 512", f"{one * 1e3:.1f}", "", "", ""],
        ["2 processes, 256 each", f"{two['step'] * 1e3:.1f}", f"{two['compute'] * 1e3:.1f}"]
        + [f"{two['allreduce'] * 1e3:.1f}", f"{two['other'] * 1e3:.1f}"],
    ]
    title = f"DDP, 784-512-512-10 MLP, MNIST, global batch {BATCH}: ms per step (medians)"
    print_table(title, ["", "step", "compute", "all-reduce", "other"], rows)
    print(f"speed-up {speedup:.2f}x, scaling efficiency {speedup / 2:.0%} (ideal 2x, 100%)")
    print(f"os.getloadavg() at the end: {os.getloadavg()}")
    write_results(
        "ddp_scaling",
        {
            "settings": {"batch": BATCH, "steps": args.steps, "repeats": args.repeats}
            | {"examples": args.examples, "threads_per_process": 1, "backend": "gloo"},
            "one_process_step_s": {"median": one, "all": ones},
            "two_process_step_s": two,
            "two_process_all": twos,
            "speedup": speedup,
            "efficiency": speedup / 2,
            "load_average": os.getloadavg(),
        },
    )


if __name__ == "__main__":
    main()
