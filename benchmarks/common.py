"""Shared pieces of the benchmarks: interleaved timing, the data, machine facts, JSON output.

Every comparison in a benchmark is measured side by side in one run: the ways being compared
are run in turn, `repeats` times, so that drift of the machine (other load, frequency) hits
them alike; each reports the median and the spread (min and max) of its repeats.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch

# $LEARNLAB_BENCH_RESULTS redirects the JSON (the smoke test writes to a temporary folder)
RESULTS = Path(
    os.environ.get("LEARNLAB_BENCH_RESULTS") or Path(__file__).resolve().parent / "results"
)


def machine() -> dict:
    """What the numbers were measured on."""
    from learnlab.machine import cpu_model

    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
    }


def interleaved(ways: dict[str, Callable[[], float]], repeats: int, warmup: bool = True):
    """Run each way `repeats` times in turn; each call returns the seconds it measured.

    Returns {name: {"median": s, "min": s, "max": s, "all": [...]}}.
    """
    if warmup:
        for way in ways.values():
            way()
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(repeats):
        for name, way in ways.items():
            times[name].append(way())
    return {
        name: {"median": statistics.median(v), "min": min(v), "max": max(v), "all": v}
        for name, v in times.items()
    }


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def mnist_tensors(n: int | None = None, flat: bool = False):
    """Normalised MNIST training tensors (and the test split), float32, in memory."""
    from learnlab.data import load_dataset, normalize

    ds = load_dataset("mnist")
    x = normalize(ds.train.x, scale=ds.scale, mean=ds.mean, std=ds.std)
    xt = normalize(ds.test.x, scale=ds.scale, mean=ds.mean, std=ds.std)
    if flat:
        x, xt = x.flatten(1), xt.flatten(1)
    if n is not None:
        x, y = x[:n], ds.train.y[:n]
    else:
        y = ds.train.y
    return x, y, xt, ds.test.y


def mnist1d_tensors():
    from learnlab.data import load_dataset, normalize

    ds = load_dataset("mnist1d")
    x = normalize(ds.train.x, scale=ds.scale, mean=ds.mean, std=ds.std)
    return x, ds.train.y


def write_results(name: str, payload: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    body = {"benchmark": name, "machine": machine(), **payload}
    path.write_text(json.dumps(body, indent=2) + "\n")
    return path


def quiet_peers() -> None:
    """Keep the peers' banners, tips and warnings out of the tables.

    Lightning sets its loggers to INFO when imported, so it is imported here first."""
    import importlib.util
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    if importlib.util.find_spec("pytorch_lightning") is not None:
        import pytorch_lightning  # noqa: F401

    for name in ("pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric"):
        logging.getLogger(name).setLevel(logging.ERROR)


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for i, column in enumerate(header):
        table.add_column(column, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    Console(width=140).print(table)
