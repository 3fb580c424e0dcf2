"""Shared fixtures: where the data sets are found without a network."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
