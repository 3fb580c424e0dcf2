"""`learnlab reproduce NAME [NAME ...] | --all`: run a paper's reproduction and print the
paper's numbers next to ours; several NAMEs or `--all` (every reproduction) also write the page
of their tables (docs/reproductions.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from learnlab.commands.options import add_set_option

NAME = "reproduce"
HELP = "reproduce a paper's numbers (--all: every reproduction, docs/reproductions.md)"
DESCRIPTION = """Run a reproduction (a recipe with a paper's numbers: learnlab list recipes) in
its paper-faithful configuration, print the paper-vs-measured table, and put it into the run's
report. Several NAMEs run those reproductions and write the page of their tables (--page);
--all does so for every reproduction;
--from writes that page from reproduction runs that already finished, judged again against
the papers' numbers, without running them again.
With several, a plan comes first (each one's expected time from its last run in the run index,
and the total); --jobs N runs N at a time in processes of their own, each with cores // N
torch threads; interrupted, the same command keeps the finished ones and runs the rest
(--fresh starts over); a failed one does not stop the others (the page says why; exit 1).
--quick runs a short configuration instead (for tests); its tables say so.

examples:
  learnlab reproduce lenet5-mnist
  learnlab reproduce --all
  learnlab reproduce --all --quick --page /tmp/reproductions.md
  learnlab reproduce --all --jobs 2
  learnlab reproduce --all --plan
  learnlab reproduce fgsm interpolation --page /tmp/two.md
  (with several, each --set goes to the reproductions that have that setting)
  learnlab reproduce --from runs/lenet5-run runs/fgsm-run --page docs/reproductions.md
"""
DEFAULT_PAGE = Path("docs/reproductions.md")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME", help="the reproduction(s) to run")
    parser.add_argument("--all", action="store_true", help="run every reproduction")
    parser.add_argument("--quick", action="store_true", help="a short configuration, for tests")
    parser.add_argument(
        "--from",
        dest="from_runs",
        nargs="+",
        type=Path,
        metavar="RUN",
        help="write the page (--page) from these finished reproduction runs, in this order",
    )
    parser.add_argument(
        "--page",
        type=Path,
        default=DEFAULT_PAGE,
        metavar="PATH",
        help=f"with several NAMEs or --all: where to write the page (default {DEFAULT_PAGE})",
    )
    parser.add_argument("--run-dir", type=Path, help="with NAME: where to write the run")
    parser.add_argument(
        "--resume", type=Path, metavar="PATH", help="with NAME: continue an interrupted run"
    )
    add_set_option(
        parser, "override a setting of the recipe(s), e.g. --set data_root=/data --set seed=1"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="with several NAMEs or --all: run N reproductions at a time, in processes of their "
        "own, each with cores // N torch threads (1 to the cores; default 1)",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="with several NAMEs or --all: start every reproduction again, instead of keeping "
        "those an interrupted run of the same command finished",
    )
    parser.add_argument(
        "--plan",
        action="store_true",
        help="with several NAMEs or --all: print the plan (expected times) and stop",
    )


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from learnlab.io.errors import ConfigError
    from learnlab.recipes.registry import reproduction_names
    from learnlab.recipes.reproduce import check_reproductions, run_reproduction
    from learnlab.recipes.reproduce_several import check_jobs
    from learnlab.runs.claim import claim_page

    check_jobs(args.jobs)  # before anything: a wrong --jobs is a usage error (exit 2)
    if args.from_runs:
        return _page_from_runs(args)
    if args.all == bool(args.names):
        raise ConfigError(
            "give either reproduction NAMEs or --all. Reproductions: "
            + ", ".join(reproduction_names())
            + "."
        )
    names = reproduction_names() if args.all else _distinct(args.names)
    several = len(names) > 1 or args.all
    if several and args.run_dir is not None:
        raise ConfigError("--run-dir goes with one NAME; several write one run per reproduction.")
    if several and args.resume is not None:
        raise ConfigError("--resume goes with one NAME: the reproduction that was interrupted.")
    console = Console(stderr=True)
    settings = _settings_of_each(names, args.assignments) if several else None
    if settings is not None:
        check_reproductions(names, args.quick, settings)
        # the page has one writer: a second `reproduce --all` onto it exits 2 now, not hours
        # later
        with claim_page(args.page):
            return _several(names, settings, args, console)
    if args.jobs != 1 or args.fresh or args.plan:
        raise ConfigError("--jobs, --fresh and --plan go with several NAMEs or --all.")
    results = []
    for name in names:
        result = run_reproduction(
            name,
            quick=args.quick,
            run_dir=args.run_dir,
            assignments=settings[name] if settings is not None else args.assignments,
            console=console,
            resume=args.resume,
        )
        _print_table(result)
        results.append(result)
    print(results[0].run_dir)
    return 0


def _several(names: list[str], settings: dict[str, list[str]], args, console) -> int:
    """Several reproductions: plan, run (--jobs at a time, resuming), write the page."""
    from learnlab.recipes.reproduce_several import Request, reproduce_several

    request = Request(names, args.quick, settings, jobs=args.jobs, fresh=args.fresh)
    return reproduce_several(request, args.page, console, plan_only=args.plan)


def _distinct(names: list[str]) -> list[str]:
    """The NAMEs in the order given; one named twice is an error (it would run twice)."""
    from learnlab.io.errors import ConfigError

    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ConfigError(f"{', '.join(repeated)} named twice: give each reproduction once.")
    return names


def _settings_of_each(names: list[str], assignments: list[str]) -> dict[str, list[str]]:
    """With several reproductions: each --set goes to those that have its setting (`seeds`
    only to those that train several seeds); one that none of them has is an error."""
    from learnlab.io.errors import ConfigError
    from learnlab.recipes.registry import get_recipe

    fields = {name: set(get_recipe(name).config_class.model_fields) for name in names}
    keys = {a: a.partition("=")[0].strip().split(".")[0] for a in assignments}
    unknown = sorted({k for k in keys.values() if not any(k in f for f in fields.values())})
    if unknown:
        raise ConfigError(
            f"--set {', '.join(unknown)}: no reproduction has this setting; "
            "`learnlab describe NAME` lists a reproduction's settings."
        )
    return {name: [a for a in assignments if keys[a] in fields[name]] for name in names}


def _page_from_runs(args: argparse.Namespace) -> int:
    from learnlab.io.errors import ConfigError
    from learnlab.recipes.reproduce import write_reproductions_page
    from learnlab.recipes.reproduction_runs import reproduction_from_run
    from learnlab.runs.claim import claim_page

    if args.names or args.all or args.quick or args.assignments:
        raise ConfigError(
            "--from writes the page from finished runs: give it alone with --page (no NAME, "
            "--all, --quick or --set)."
        )
    if args.run_dir is not None or args.resume is not None:
        raise ConfigError("--from reads finished runs; --run-dir and --resume do not apply.")
    results = [reproduction_from_run(run) for run in args.from_runs]
    for result in results:
        _print_table(result)
    with claim_page(args.page):
        print(write_reproductions_page(results, args.page))
    return 0


def _print_table(result) -> None:
    from rich.console import Console
    from rich.table import Table

    title = f"{result.name}: {result.reproduction.paper.citation()}"
    if result.quick:
        title += f" [{result.reproduction.quick_note}]"
    table = Table(*result.rows[0].keys(), title=title)
    for row in result.rows:
        table.add_row(*row.values())
    Console(stderr=True).print(table)
