"""Pipeline parallelism on the CPU: the step time and the bubble of an MLP in 2 stage processes
against the unsplit model in one process.

    .venv/bin/python benchmarks/pipeline_parallel.py [--batch 1024] [--depth 4] [--width 256]
        [--micro-batches 1 2 4 8 16] [--steps 6] [--repeats 3] [--stages 2]

The 784-256-256-256-256-10 MLP (two halves of 201k and 200k parameters,
`learnlab.scale.stages`) runs forward and backward passes on a batch of random images through
`learnlab.scale.pipeline` (torch.distributed.pipelining, GPipe, gloo; one process per stage, one
thread each) at each micro-batch count M, and unsplit in this process on 1 thread and on one
thread per stage (the same cores), in turn (`repeats` rounds; the first step of each is a
warm-up). Per M: the median
step time, examples/s, and the bubble measured (each stage's idle share of a step), replayed
(GPipe's schedule with the measured passes, a core per stage) and in theory,
(S-1)/(M+S-1). Results: benchmarks/results/pipeline_parallel.json.
"""

from __future__ import annotations

import argparse
import statistics

import torch
import torch.nn.functional as F
from common import print_table, timed, write_results


def main() -> None:
    from learnlab.models import build_model
    from learnlab.scale.pipeline import PipelineTask, run_pipeline_tasks
    from learnlab.scale.pipeline_timing import theoretical_bubble
    from learnlab.scale.stages import split_stages

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--stages", type=int, default=2)
    parser.add_argument("--micro-batches", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = build_model("mlp", (1, 28, 28), 10, depth=args.depth, width=args.width)
    x, y = torch.randn(args.batch, 1, 28, 28), torch.randint(0, 10, (args.batch,))
    stages = split_stages(model, args.stages)
    steps = {m: [] for m in args.micro_batches}
    threads = sorted({1, args.stages})
    unsplit = {t: [] for t in threads}
    for _ in range(args.repeats):
        tasks = [PipelineTask([(x, y)] * args.steps, m) for m in args.micro_batches]
        for m, run in zip(args.micro_batches, run_pipeline_tasks(stages, tasks), strict=True):
            steps[m] += run.steps[1:]
        for t in threads:
            torch.set_num_threads(t)
            for step in range(args.steps):
                model.zero_grad()
                seconds = timed(lambda: F.cross_entropy(model(x), y).backward())
                unsplit[t] += [seconds] if step else []
        torch.set_num_threads(1)
    results, rows = {}, []
    for t in threads:
        seconds = statistics.median(unsplit[t])
        results[f"unsplit_{t}_threads"] = {
            "step_seconds": seconds,
            "examples_per_second": args.batch / seconds,
        }
        rows.append([f"unsplit, {t} thread(s)", f"{1000 * seconds:.1f}"])
        rows[-1] += [f"{args.batch / seconds:.0f}", "-", "-", "-", "-"]
    base = results[f"unsplit_{args.stages}_threads"]["step_seconds"]
    for m in args.micro_batches:
        seconds = statistics.median(s.seconds for s in steps[m])
        entry = {
            "step_seconds": seconds,
            "examples_per_second": args.batch / seconds,
            "time_over_unsplit_same_cores": seconds / base,
            "bubble_measured": statistics.median(s.bubble for s in steps[m]),
            "bubble_replayed": statistics.median(s.replayed_bubble for s in steps[m]),
            "bubble_theory": theoretical_bubble(args.stages, m),
            "steps_timed": len(steps[m]),
        }
        results[f"m{m}"] = entry
        rows.append(
            [f"{args.stages} stages, M={m}", f"{1000 * seconds:.1f}"]
            + [f"{entry['examples_per_second']:.0f}", f"{seconds / base:.2f}"]
            + [f"{100 * entry[k]:.1f}%" for k in ("bubble_measured", "bubble_replayed")]
            + [f"{100 * entry['bubble_theory']:.1f}%"]
        )
    header = ["run", "step ms", "examples/s", "time / unsplit, same cores"]
    header += ["bubble", "replayed", "theory"]
    print_table(f"MLP depth {args.depth} width {args.width}, batch {args.batch}", header, rows)
    write_results("pipeline_parallel", {"settings": vars(args), "results": results})


if __name__ == "__main__":
    main()
