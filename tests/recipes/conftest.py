"""Fixtures the recipe tests share."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture
def isolated_one_thread(tmp_path, monkeypatch):
    """Runs indexed in this test's own folder, and torch on one thread for the test (the
    previous thread count restored after)."""
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def quick(data_root):
    """`quick(NAME, **overrides)`: recipe NAME's --quick settings on the test data, without
    downloads or progress bars, with `overrides` on top."""
    from learnlab.recipes import get_recipe

    def settings(name: str, **overrides) -> dict:
        return {
            **get_recipe(name).quick,
            "data_root": str(data_root),
            "download": False,
            "progress": False,
            **overrides,
        }

    return settings
