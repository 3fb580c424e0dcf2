"""docs/api.md's examples run as printed: its Python blocks in order, as one session, in a
fresh environment after the set-up (tests/doc_commands.py), so the page cannot drift."""

from __future__ import annotations

import time
from pathlib import Path

API_PAGE = Path(__file__).resolve().parents[1] / "docs" / "api.md"

# The page's command lines, if it shows any, as in tests/test_readme.py's FAST.
FAST: dict[str, str] = {}


def test_api_page_runs_as_printed(tmp_path, data_root, doc_commands):
    started = time.perf_counter()
    workspace = doc_commands.make_workspace(tmp_path, data_root)
    doc_commands.run_page(API_PAGE, workspace, FAST, python_session=True)
    print(f"docs/api.md ran in {time.perf_counter() - started:.1f} s:", workspace.seconds)
