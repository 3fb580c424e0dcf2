"""The subcommands of `learnlab`, one module each; learnlab.cli assembles the parser.

Each module listed in `COMMAND_MODULES` defines:

    NAME: str                     the subcommand (`learnlab NAME ...`)
    HELP: str                     one line for `learnlab --help`
    DESCRIPTION: str              the paragraph of `learnlab NAME --help`
    add_arguments(parser) -> None its options
    run(args) -> int              the exit code (0 success; 1 a check failed; 2 bad input)

The modules import only the standard library at module level, so that building the parser
(and `learnlab --help`) never loads torch; `run` imports what it needs.
"""

from __future__ import annotations

# in the order they appear in `learnlab --help`
COMMAND_MODULES: tuple[str, ...] = (
    "learnlab.commands.train",
    "learnlab.commands.run",
    "learnlab.commands.listing",
    "learnlab.commands.describe",
    "learnlab.commands.runs",
    "learnlab.commands.report",
    "learnlab.commands.reproduce",
    "learnlab.commands.analyze",
    "learnlab.commands.export",
    "learnlab.commands.doctor",
    "learnlab.commands.search",
)
