"""`learnlab runs`: list the finished runs of the run index."""

from __future__ import annotations

import argparse

NAME = "runs"
HELP = "list finished runs from the run index"
DESCRIPTION = "List the finished runs recorded in the run index."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # no options yet


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from learnlab.runs import read_index, runs_root

    entries = read_index()
    console = Console()
    if not entries:
        console.print(f"no finished runs in {runs_root()}/index.jsonl yet")
        return 0
    table = Table("run directory", "kind", "dataset", "model", "test accuracy")
    for e in entries:
        acc = e.get("test_accuracy")
        table.add_row(
            e["run_dir"],
            str(e.get("kind", "")),
            str(e.get("dataset", "")),
            str(e.get("model", "")),
            f"{100 * acc:.2f}%" if acc is not None else "",
        )
    console.print(table)
    return 0
