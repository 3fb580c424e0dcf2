"""Ctrl-C during a run: one message, naming the exact command that continues it.

A run that is interrupted raises `RunInterrupted`, a KeyboardInterrupt that carries the
message to show: `learnlab train --resume RUN_DIR` for a training run, `learnlab run NAME
--resume RUN_DIR` for a recipe's, or, when there is nothing to resume (the run directory
does not exist yet, or holds no checkpoint), what to do instead. Each level that starts a run
wraps its work in `on_interrupt(describe)`: an interruption inside (a KeyboardInterrupt, or
the RunInterrupted of a run nested in it, such as a recipe's training part) becomes the one
of the outermost run, which is the one the person typed. The command line prints the message
once (`learnlab.cli`); a Python caller gets it as the exception's text.

Example:
    >>> exc = interruption(Path("runs/x"), ["learnlab", "train"], resumable=True)
    >>> exc.resume_command
    'learnlab train --resume runs/x'
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from learnlab.runs.directory import holds_files


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during the run in `run_dir`; `resume_command` continues it (None: nothing to
    resume)."""

    def __init__(self, message: str, resume_command: str | None, run_dir: Path | None) -> None:
        super().__init__(message)
        self.message = message
        self.resume_command = resume_command
        self.run_dir = run_dir

    def __str__(self) -> str:
        return self.message


def interruption(
    run_dir: Path, command: Sequence[str], *, resumable: bool, what: str = "its first checkpoint"
) -> RunInterrupted:
    """The RunInterrupted of a run in `run_dir` that `command + --resume run_dir` continues
    when `resumable`; otherwise one that says why nothing can be resumed and what to do."""
    run_dir = Path(run_dir)
    if resumable:
        resume = shlex.join([*command, "--resume", str(run_dir)])
        return RunInterrupted(f"interrupted; continue with:\n  {resume}", resume, run_dir)
    if holds_files(run_dir):  # the run's own claim file is not one
        return RunInterrupted(
            f"interrupted before {what}: nothing to resume. Delete {run_dir} and start the "
            "run again.",
            None,
            run_dir,
        )
    return RunInterrupted("interrupted before the run started; nothing was written.", None, None)


@contextmanager
def on_interrupt(describe: Callable[[], RunInterrupted]) -> Iterator[None]:
    """Turn a KeyboardInterrupt (or a nested run's RunInterrupted) inside into `describe()`,
    called only then: it looks at what the run directory holds at that moment."""
    try:
        yield
    except KeyboardInterrupt:
        raise describe() from None
