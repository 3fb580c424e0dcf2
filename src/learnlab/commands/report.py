"""`learnlab report RUN`: rebuild a run's report.html from the files of its run directory."""

from __future__ import annotations

import argparse

NAME = "report"
HELP = "rebuild the HTML report of a finished run"
DESCRIPTION = """Rebuild report.html of a finished run from its run directory alone (config.json,
summary.json, metrics.jsonl, outputs.safetensors, model.safetensors) and print its path.
RUN is a run directory or an unambiguous prefix of a run's name in the run index.

example:
  learnlab report 20261124-101500-mnist-lenet5
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_ref", metavar="RUN", help="run directory, or a prefix of its name")


def run(args: argparse.Namespace) -> int:
    from learnlab.report.run_report import build_run_report
    from learnlab.runs import read_index
    from learnlab.runs.query import resolve_run

    run_dir = resolve_run(args.run_ref, read_index())
    print(build_run_report(run_dir))
    return 0
