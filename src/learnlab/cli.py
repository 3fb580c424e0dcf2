"""The `learnlab` command: the parser assembled from the subcommands' modules, and `main`.

    learnlab train --dataset D --model M [--optimizer O] [--lr F] [--epochs N] ...
    learnlab run NAME [--run-dir PATH] [--seed S] [--set key=value ...] [--dry-run]
    learnlab list [datasets|models|recipes|optimizers|schedules|inits]
    learnlab runs | report | reproduce | doctor | search ...

Each subcommand is a module of learnlab.commands (COMMAND_MODULES). Only argparse is imported
at start-up: torch loads when a command needs it, so `--help` is instant. Human-readable
output goes to stderr; the last line on stdout is the run directory. Errors in what the user
gave exit with code 2 and a message of a few lines, no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from learnlab.commands import COMMAND_MODULES

EXAMPLES = """examples:
  learnlab train --dataset mnist --model lenet5 --epochs 2
  learnlab train --dataset digits --model mlp --set model_options.width=128 --epochs 20
  learnlab train --dataset mnist --model my_net.py:build --lr 0.01 --optimizer momentum
  learnlab train --resume runs/20261123-120000-mnist-lenet5
  learnlab train --config my.toml --set lr=0.1 --dry-run   (check it; print it as JSON)
  learnlab run quickstart
  learnlab run learning-curve
  learnlab doctor --model lenet5 --dataset mnist
  learnlab search --config docs/examples/search/digits.toml
  learnlab runs --where "test_accuracy>0.98" --sort test_accuracy
  learnlab list models
  learnlab describe lenet5                 (its options, defaults, paper, an example)
"""


class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on bad usage already; this keeps its message short."""

    def error(self, message: str):  # noqa: D401 - argparse API
        self.print_usage(sys.stderr)
        self.exit(2, f"error: {message}\nRun `{self.prog} --help` for the options.\n")


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="learnlab",
        description="learnlab: a deep-learning course, executable.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module_name in COMMAND_MODULES:
        command = importlib.import_module(module_name)
        p = sub.add_parser(
            command.NAME,
            help=command.HELP,
            description=command.DESCRIPTION,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.add_arguments(p)
        p.set_defaults(command_module=command)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.command_module.run(args)
    except KeyboardInterrupt as exc:
        # a run's interruption (learnlab.runs.interruption) names the command that resumes it
        print(f"\n{getattr(exc, 'message', None) or 'interrupted'}", file=sys.stderr)
        return 130
    except Exception as exc:
        from learnlab.io.disk import resource_error
        from learnlab.io.errors import LearnlabError

        if isinstance(exc, OSError):
            # a full disk or unwritable folder outside the atomic writer (a folder to create)
            exc = resource_error(exc, exc.filename, "accessing") or exc
        if not isinstance(exc, LearnlabError):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
