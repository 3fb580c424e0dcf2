"""Threads: 1 thread, all threads and learnlab's automatic choice, idle and beside a busy loop.

    .venv/bin/python benchmarks/threads.py [--quick] [--families mlp,lenet5,...]
        [--conditions idle,busy] [--sample-seconds 0.5] [--repeats 3] [--no-demo]
    .venv/bin/python benchmarks/threads.py --markdown     # the tables of results/threads.json

One model of every family of the model registry, on a data set it fits (MNIST images, their
rows as sequences, Fashion-MNIST for the ResNet, generated graphs, MNIST pairs, random ids and
vectors for the models of two inputs), trained with Adam at batch 64. For each, under each
condition (idle; with one `while True: pass` process beside it, which the script starts and
kills itself):

- the steady-state milliseconds per training step (forward, backward, optimizer step) with 1
  thread and with all the usable cores, interleaved repeats of `sample-seconds` worth of
  steps each (`common.interleaved`), medians;
- the automatic choice exactly as a run makes it (`learnlab.train.threads.choose_threads`: the
  idle cores now, then `learnlab.train.thread_calibration` timing copies of the model), with
  no cached timing (the first run of its kind), and what the timing cost;
- whether auto is within 10% of the better fixed count over a run of `RUN_STEPS` steps (two
  MNIST epochs at batch 64, the length of `make demo`'s training): its timing cost plus
  RUN_STEPS steps at the count it chose, against RUN_STEPS steps at the better count.

Then `make demo`'s training: `learnlab run quickstart` (LeNet-5, MNIST, 2 epochs; `--quick`:
1 epoch) with threads left to auto, idle and busy; its summary's `train_seconds` (target: at
most 30 s in both conditions). Results: benchmarks/results/threads.json; `--markdown` prints
the tables of docs/performance.md from it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from common import RESULTS, interleaved, print_table, write_results

BATCH = 64
RUN_STEPS = 2 * math.ceil(54_000 / BATCH)  # two epochs of MNIST's training split
WITHIN = 1.10  # auto's time over the better fixed count's, at most
DEMO_TARGET_SECONDS = 30.0
REPO = Path(__file__).resolve().parents[1]
THREAD_VARIABLES = ("LEARNLAB_THREADS", "OMP_NUM_THREADS")


@dataclass
class Case:
    family: str  # the registry's module
    model_name: str
    data: str
    model: torch.nn.Module
    objective: Callable[..., Any]
    batch: Any


def images(name: str = "mnist", unit: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """128 training images (normalised, or in [0, 1] with `unit`) and their labels."""
    from learnlab.data import load_dataset, normalize

    ds = load_dataset(name)
    x = ds.train.x[: 2 * BATCH]
    x = x.float() / ds.scale if unit else normalize(x, scale=ds.scale, mean=ds.mean, std=ds.std)
    return x, ds.train.y[: 2 * BATCH]


def classifier(family, name, data="mnist", **options) -> Callable[[], Case]:
    def build() -> Case:
        from learnlab.models import build_model
        from learnlab.objectives.supervised import CrossEntropy

        x, y = images(data)
        model = build_model(name, tuple(x.shape[1:]), 10, **options)
        return Case(family, name, data, model, CrossEntropy(), (x[:BATCH], y[:BATCH]))

    return build


def reconstruction(family, name) -> Callable[[], Case]:
    def build() -> Case:
        from learnlab.models import build_model
        from learnlab.objectives.elbo import NegativeELBO
        from learnlab.objectives.reconstruction import ReconstructionLoss

        x, _ = images(unit=True)
        objective = NegativeELBO() if name == "vae" else ReconstructionLoss("bce")
        model = build_model(name, tuple(x.shape[1:]), 10)
        return Case(family, name, "mnist", model, objective, (x[:BATCH],))

    return build


def graphs() -> Case:
    from learnlab.data.graphs import FAMILIES, batch_graphs, generator_family_graphs
    from learnlab.models import build_model
    from learnlab.recipes.gcn_karate.families import GraphFamily

    found, labels = generator_family_graphs(-(-BATCH // len(FAMILIES)), seed=0)
    graph_batch = batch_graphs(found[:BATCH])
    model = build_model("gcn-graph", tuple(graph_batch.features.shape[1:]), len(FAMILIES))
    batch = (graph_batch, labels[:BATCH])
    return Case("graph", "gcn-graph", "generated graphs", model, GraphFamily(), batch)


def pairs() -> Case:
    from learnlab.models import build_model

    x, y = images()
    same = (y[:BATCH] == y[BATCH:]).float()

    def objective(model, batch):
        x1, x2, target = batch
        logit = model(x1, x2).squeeze(1)
        return torch.nn.functional.binary_cross_entropy_with_logits(logit, target), {}

    model = build_model("siamese", tuple(x.shape[1:]), 1)
    return Case("siamese", "siamese", "MNIST pairs", model, objective, (x[:BATCH], x[BATCH:], same))


def two_inputs() -> Case:
    from learnlab.models import build_model

    draw = torch.Generator().manual_seed(0)
    x, z = torch.randn(BATCH, 64, generator=draw), torch.randn(BATCH, 8, generator=draw)
    y = torch.randint(0, 10, (BATCH,), generator=draw)

    def objective(model, batch):
        return torch.nn.functional.cross_entropy(model(batch[0], batch[1]), batch[2]), {}

    model = build_model("bilinear", (64,), 10)
    return Case("bilinear", "bilinear", "random vectors", model, objective, (x, z, y))


def word_pairs() -> Case:
    from learnlab.models import build_model
    from learnlab.objectives.negative_sampling import negative_sampling_loss

    vocabulary, draw = 10_000, torch.Generator().manual_seed(0)
    centres = torch.randint(0, vocabulary, (BATCH,), generator=draw)
    candidates = torch.randint(0, vocabulary, (BATCH, 6), generator=draw)  # 1 context + 5 noise

    def objective(model, batch):
        return negative_sampling_loss(model(batch[0], batch[1])).mean(), {}

    model = build_model("skip-gram", (6,), vocabulary)
    batch = (centres, candidates)
    return Case("skip_gram", "skip-gram", "random word ids", model, objective, batch)


RESNET = {"width": 16, "blocks": [2, 2, 2], "stem_stride": 2, "channels_last": True}
# one model per module of learnlab.models.registry.BUILTIN_FAMILIES
CASES: dict[str, Callable[[], Case]] = {
    "mlp": classifier("mlp", "mlp"),
    "convnets": classifier("convnets", "lenet5"),
    "speedrun": classifier("speedrun", "speedrun-cnn"),
    "recurrent": classifier("recurrent", "lstm"),
    "transformer": classifier("transformer", "transformer-classifier"),
    "resnet": classifier("resnet", "preact-resnet", "fashion-mnist", **RESNET),
    "mixer": classifier("mixer", "mlp-mixer"),
    "autoencoders": reconstruction("autoencoders", "autoencoder"),
    "vae": reconstruction("vae", "vae"),
    "graph": graphs,
    "siamese": pairs,
    "bilinear": two_inputs,
    "mixture_of_experts": classifier("mixture_of_experts", "moe-mlp"),
    "skip_gram": word_pairs,
}


def training_step(case: Case, optimizer: torch.optim.Optimizer) -> Callable[[], None]:
    from learnlab.objectives.base import as_objective

    objective = as_objective(case.objective)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        objective(case.model, case.batch)[0].backward()
        optimizer.step()

    return step


def steps_for(step: Callable[[], None], sample_seconds: float) -> int:
    """Steps of one timed sample: `sample_seconds` worth at one thread (3 to 200)."""
    torch.set_num_threads(1)
    step()
    started = time.perf_counter()
    step()
    return max(3, min(200, math.ceil(sample_seconds / (time.perf_counter() - started))))


def measure_case(build: Callable[[], Case], args) -> dict[str, Any]:
    from learnlab.machine import idle_cores, sample_cpu, usable_cores
    from learnlab.train.optimizers import build_optimizer
    from learnlab.train.thread_calibration import seconds_per_step
    from learnlab.train.threads import choose_threads

    since = sample_cpu()  # building the case overlaps the idle-core measurement, as in a run
    torch.manual_seed(0)
    case = build()
    optimizer = build_optimizer("adam", case.model.parameters(), lr=1e-3)
    cores = usable_cores()
    spent: list[float] = []

    def timed_calibration(counts: list[int]) -> dict[int, float]:
        started = time.perf_counter()
        try:
            return seconds_per_step(
                case.model, case.objective, optimizer, case.batch, counts, run_steps=RUN_STEPS
            )
        finally:
            spent.append(time.perf_counter() - started)

    idle = idle_cores(since, cores)
    choice = choose_threads(
        "auto", environ={}, idle=lambda: idle, cores=cores, measure=timed_calibration
    )
    step = training_step(case, optimizer)
    steps = steps_for(step, args.sample_seconds)
    counts = sorted({1, cores})

    def run_at(n: int) -> Callable[[], float]:
        def run() -> float:
            torch.set_num_threads(n)
            started = time.perf_counter()
            for _ in range(steps):
                step()
            return (time.perf_counter() - started) / steps

        return run

    times = interleaved({n: run_at(n) for n in counts}, repeats=args.repeats)
    ms = {n: 1000 * t["median"] for n, t in times.items()}
    calibration = sum(spent)
    auto_seconds = calibration + RUN_STEPS * ms[choice.threads] / 1000
    best = min(ms, key=ms.get)
    best_seconds = RUN_STEPS * ms[best] / 1000
    return {
        "family": case.family,
        "model": case.model_name,
        "data": case.data,
        "idle_cores": idle,
        "steps_per_sample": steps,
        "ms_per_step": {str(n): v for n, v in ms.items()},
        "spread_ms": {str(n): [1000 * t["min"], 1000 * t["max"]] for n, t in times.items()},
        "auto_threads": choice.threads,
        "auto_why": choice.why,
        "calibration_seconds": calibration,
        "auto_run_seconds": auto_seconds,
        "best_fixed_threads": best,
        "best_fixed_run_seconds": best_seconds,
        "auto_over_best": auto_seconds / best_seconds,
        "auto_within_10_percent": auto_seconds <= WITHIN * best_seconds,
    }


class BusyLoop:
    """One `while True: pass` process beside the measurements, killed on exit."""

    def __enter__(self) -> BusyLoop:
        self.process = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(0.5)  # started and spinning
        return self

    def __exit__(self, *exc) -> None:
        self.process.kill()
        self.process.wait()


def demo_training(quick: bool) -> dict[str, Any]:
    """`learnlab run quickstart` with threads left to auto and no cached timing."""
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    with tempfile.TemporaryDirectory() as folder:
        env["LEARNLAB_CACHE"] = str(Path(folder) / "cache")
        run_dir = Path(folder) / "run"
        command = [sys.executable, "-m", "learnlab", "run", "quickstart"]
        command += ["--set", "progress=false", "--run-dir", str(run_dir)]
        command += ["--set", "epochs=1"] if quick else []
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=folder)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"learnlab run quickstart failed:\n{done.stderr[-3000:]}")
        summary = json.loads((run_dir / "summary.json").read_text())
    lines = [line for line in done.stderr.splitlines() if line.startswith("threads:")]
    return {
        "epochs": 1 if quick else 2,
        "train_seconds": summary["train_seconds"],
        "threads": summary["threads"],
        "threads_choice": summary["threads_choice"],
        "threads_lines": lines,
        "wall_seconds": wall,
        "within_target": summary["train_seconds"] <= DEMO_TARGET_SECONDS,
    }


def condition(name: str):
    """idle: nothing started beside the measurements; busy: one busy loop."""
    return BusyLoop() if name == "busy" else _Idle()


class _Idle:
    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


def rows_of(results: dict[str, Any]) -> list[list[str]]:
    rows = []
    for name, cases in results["conditions"].items():
        for r in cases:
            ms = r["ms_per_step"]
            all_cores = max(ms, key=int)
            rows.append(
                [
                    f"{r['model']} ({r['data']})",
                    name,
                    "?" if r["idle_cores"] is None else str(r["idle_cores"]),
                    f"{ms['1']:.2f}",
                    f"{ms[all_cores]:.2f}" if all_cores != "1" else "-",
                    str(r["auto_threads"]),
                    f"{1000 * r['calibration_seconds']:.0f}",
                    f"{r['auto_over_best']:.3f}",
                    "yes" if r["auto_within_10_percent"] else "NO",
                ]
            )
    return rows


HEADER = [
    "model (data)",
    "machine",
    "idle cores",
    "1 thread ms/step",
    "all cores ms/step",
    "auto's count",
    "auto's timing ms",
    "auto / better fixed",
    "within 10%",
]


def markdown(results: dict[str, Any]) -> str:
    cores = results["cores"]
    header = [h.replace("all cores", f"{cores} threads") for h in HEADER]
    lines = ["| " + " | ".join(header) + " |", "| --- |" + " ---: |" * (len(header) - 1)]
    lines += ["| " + " | ".join(row) + " |" for row in rows_of(results)]
    demo = results.get("demo") or {}
    if demo:
        lines += ["", "| `make demo`'s training | threads | train_seconds | <= 30 s |"]
        lines += ["| --- | --- | ---: | --- |"]
        for name, d in demo.items():
            target = "yes" if d["within_target"] else "NO"
            lines.append(
                f"| {name}, {d['epochs']} epoch(s) | {d['threads']} ({d['threads_choice']}) "
                f"| {d['train_seconds']:.1f} | {target} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter samples, demo of 1 epoch")
    parser.add_argument("--families", help=f"comma-separated, of: {', '.join(CASES)}")
    parser.add_argument("--conditions", default="idle,busy", help="idle, busy or both")
    parser.add_argument("--sample-seconds", type=float, default=None)
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--no-demo", dest="demo", action="store_false")
    parser.add_argument("--markdown", action="store_true", help="print results/threads.json")
    args = parser.parse_args()
    if args.markdown:
        print(markdown(json.loads((RESULTS / "threads.json").read_text())))
        return
    args.sample_seconds = args.sample_seconds or (0.15 if args.quick else 0.5)
    args.repeats = args.repeats or (2 if args.quick else 3)
    families = args.families.split(",") if args.families else list(CASES)
    unknown = set(families) - set(CASES)
    if unknown:
        parser.error(f"unknown families {sorted(unknown)}; known: {', '.join(CASES)}")
    from learnlab.machine import usable_cores

    results: dict[str, Any] = {"cores": usable_cores(), "conditions": {}, "demo": {}}
    for name in args.conditions.split(","):
        with condition(name):
            results["conditions"][name] = [measure_case(CASES[f], args) for f in families]
            if args.demo:
                results["demo"][name] = demo_training(args.quick)
    print_table("training steps at batch 64", HEADER, rows_of(results))
    print(markdown(results))
    settings = {**vars(args), "run_steps": RUN_STEPS, "batch": BATCH}
    path = write_results("threads", {"settings": settings, **results})
    print(f"results: {path}")


if __name__ == "__main__":
    main()
