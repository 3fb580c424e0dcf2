"""Shared fixtures: where the data sets are found without a network."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the same generated examples every time (a red CI is then reproducible, never a
# draw of luck); LEARNLAB_HYPOTHESIS=explore draws new ones, to hunt for bugs before they land.
settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("explore" if os.environ.get("LEARNLAB_HYPOTHESIS") == "explore" else "ci")

# Tests compare seeded runs bit for bit, across processes too, and the thread count can change
# the last bits of a float sum: the suite's runs use one thread unless told otherwise, instead
# of a count chosen from the machine's load of the moment (tests of that choice unset this).
os.environ.setdefault("LEARNLAB_THREADS", "1")


def pytest_configure(config):
    """Under pytest-xdist (`make test` starts one worker per core) each worker's torch computes
    on one thread. With torch's default of a thread per core in every worker the cores are
    oversubscribed, and OpenMP's threads spin while they wait, burning the CPU that the other
    worker needs: tests/analysis, models, optim and scale took 83-94 s with two workers on 2
    cores, and 35 s like this. A test that compares with a subprocess passes it its count."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        import torch

        torch.set_num_threads(1)


REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "datasets"


def find_data_root() -> Path | None:
    """$LEARNLAB_DATA if set, else ../shared/datasets beside the repository, else None."""
    env = os.environ.get("LEARNLAB_DATA")
    if env and Path(env).is_dir():
        return Path(env)
    if SHARED_DATA.is_dir():
        return SHARED_DATA
    return None


@pytest.fixture(scope="session")
def data_root() -> Path:
    root = find_data_root()
    if root is None:
        pytest.skip("no data folder: set LEARNLAB_DATA or put shared/datasets beside the repo")
    return root


@pytest.fixture(scope="session")
def doc_commands():
    """tests/doc_commands.py, which runs a page's commands as a newcomer would (imported by
    path: the suite runs with --import-mode=importlib)."""
    import importlib.util
    import sys

    name = "learnlab_tests_doc_commands"
    if name not in sys.modules:  # one module object: its dataclasses look it up by name
        spec = importlib.util.spec_from_file_location(name, REPO / "tests" / "doc_commands.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
