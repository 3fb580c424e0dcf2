"""`learnlab runs`: list, filter and sort the finished runs of the run index; `learnlab runs
compare RUN RUN ...` puts runs side by side (and writes a comparison page with --html)."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "runs"
HELP = "list, filter, sort and compare finished runs (the run index)"
DESCRIPTION = """List the finished runs recorded in the run index, newest first. The settings in
which the listed runs differ are shown as columns (lr, model_options.width, epochs...; "-": a
run without that setting); "(quick)" marks a `learnlab reproduce --quick` run.

filters (repeat --where; a run must meet all of them):
  KEY OP VALUE with OP one of >= <= > < == (or =) != ~ (contains); KEY is a column
  (name, kind, dataset, model, status, test_accuracy, ...), a summary value, or a setting
  (config.lr, config.model_options.width); 99% means 0.99.

examples:
  learnlab runs --dataset mnist --where "test_accuracy>=99%" --sort test_accuracy --reverse
  learnlab runs --where "config.lr<=0.01" --limit 5 --json
  learnlab runs compare 20261124-101500-mnist-lenet5 20261124-1030 --html compare.html
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", help="only runs on this data set")
    parser.add_argument("--model", help="only runs of this model")
    parser.add_argument("--kind", help="only runs of this kind (train, a recipe's name, ...)")
    parser.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="KEY OP VALUE",
        help="a filter such as 'test_accuracy>0.9' (repeatable)",
    )
    parser.add_argument("--sort", metavar="KEY", help="sort by this key (default: newest first)")
    parser.add_argument("--reverse", action="store_true", help="sort in descending order")
    parser.add_argument("--limit", type=int, metavar="N", help="show at most N runs")
    parser.add_argument("--json", action="store_true", help="print the runs as JSON")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    compare = actions.add_parser(
        "compare",
        help="compare runs side by side",
        description="Settings that differ, metrics, and (with --html) validation curves of "
        "two or more runs. RUN is a run directory or an unambiguous prefix of its name.",
    )
    compare.add_argument("run_refs", nargs="+", metavar="RUN")
    compare.add_argument("--html", type=Path, metavar="PATH", help="write a comparison page")


def run(args: argparse.Namespace) -> int:
    if args.action == "compare":
        return _compare(args)
    return _list(args)


def _list(args: argparse.Namespace) -> int:
    import json
    from datetime import datetime

    from rich import box
    from rich.console import Console
    from rich.table import Table

    from learnlab.runs import read_index, runs_root
    from learnlab.runs.query import parse_condition, select
    from learnlab.runs.settings import differing_settings, run_settings, setting_cell

    conditions = [parse_condition(text) for text in args.where]
    for key in ("dataset", "model", "kind"):
        if getattr(args, key) is not None:
            conditions.append(parse_condition(f"{key}=={getattr(args, key)}"))
    entries = read_index()
    chosen = select(entries, conditions, sort=args.sort, reverse=args.reverse, limit=args.limit)
    if args.json:
        print(json.dumps(chosen, indent=2))
        return 0
    console = Console()
    if not entries:
        console.print(f"no finished runs in the run index of {runs_root()} yet")
        return 0
    # the name is what people copy into `learnlab report` or `runs compare`: never cut it
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("run", no_wrap=True, overflow="fold")
    for header in ("kind", "dataset", "model"):
        table.add_column(header, overflow="fold", min_width=len(header))
    show_status = any(e.get("status") not in ("completed", None) for e in chosen)
    if show_status:
        table.add_column("status", overflow="fold", min_width=7)
    settings = [run_settings(e) for e in chosen]
    columns = differing_settings(settings)
    for key in columns.keys:
        table.add_column(key, overflow="fold", min_width=min(len(key), 12))
    for header in ("test acc", "test loss", "train s"):
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("finished", no_wrap=True)
    for e, run_setting in zip(chosen, settings, strict=True):
        acc, loss, seconds = e.get("test_accuracy"), e.get("test_loss"), e.get("train_seconds")
        gone = "" if Path(e["run_dir"]).is_dir() else " (deleted)"
        kind = str(e.get("kind") or "") + (" (quick)" if e.get("quick") else "")
        cells = [e["name"] + gone, kind, *(str(e.get(k) or "") for k in ("dataset", "model"))]
        if show_status:
            cells.append(str(e.get("status") or ""))
        cells += [setting_cell(run_setting, key) for key in columns.keys]
        cells += [
            f"{100 * acc:.2f}%" if acc is not None else "",
            f"{loss:.4f}" if loss is not None else "",
            f"{seconds:.1f}" if seconds is not None else "",
            datetime.fromtimestamp(e["finished"]).strftime("%m-%d %H:%M"),
        ]
        table.add_row(*cells)
    # rich drops columns that do not fit the terminal; a wide table wraps instead
    needed = console.measure(table, options=console.options.update_width(1000)).maximum
    wide = Console(width=max(console.width, needed))
    wide.print(table)
    console.print(f"{len(chosen)} of {len(entries)} runs in {runs_root()}")
    _print_legend(console, chosen, settings, columns)
    return 0


def _print_legend(console, chosen: list[dict], settings: list[dict], columns) -> None:
    """What the marks in the table mean, and the differing settings left out of it."""
    if any(e.get("quick") for e in chosen):
        console.print(
            "(quick): a `learnlab reproduce --quick` run: not the paper's configuration; "
            "its numbers are not comparable with the paper's"
        )
    if any(key not in s for s in settings for key in columns.keys):
        console.print('"-": the run has no such setting (or left that option at its default)')
    if columns.hidden:
        console.print(
            f"{len(columns.hidden)} more settings differ: {', '.join(columns.hidden)} "
            "(`learnlab runs compare RUN RUN` shows them all)"
        )


def _compare(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from learnlab.report.compare import (
        config_differences,
        load_runs,
        metric_rows,
        write_comparison_page,
    )
    from learnlab.runs import read_index
    from learnlab.runs.query import resolve_run

    entries = read_index()
    compared = load_runs([resolve_run(ref, entries) for ref in args.run_refs])
    console = Console()
    for title, rows, first in (
        ("settings that differ", config_differences(compared), "setting"),
        ("metrics", metric_rows(compared), "metric"),
    ):
        table = Table(first, *(r.label for r in compared), title=title)
        for row in rows:
            table.add_row(str(row[first]), *(str(row[r.label]) for r in compared))
        if not rows:
            table.add_row("(none)", *("" for _ in compared))
        console.print(table)
    if args.html is not None:
        print(write_comparison_page(compared, args.html))
    return 0
