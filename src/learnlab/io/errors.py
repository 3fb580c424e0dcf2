"""Errors that reach the user.

A `LearnlabError` is a problem with what the user asked for or provided (a bad option, a
missing file, a run that diverged). The CLI prints its message in a few lines, without a
traceback, and exits with `exit_code`. Messages say what was wrong, what is allowed, and
what to do.
"""


class LearnlabError(Exception):
    """A problem the user can fix; the CLI reports it without a traceback."""

    exit_code = 2


class ConfigError(LearnlabError):
    """Invalid configuration: unknown key or name, wrong type, out-of-range value."""


class DataError(LearnlabError):
    """A data file that is missing, corrupt, or cannot be parsed."""


class DataNotFound(DataError):
    """A data file that is not in any place looked and could not be downloaded."""


class ResourceError(LearnlabError):
    """The disk is full, over quota, read-only or not writable (see learnlab.io.disk);
    nothing half-written is left behind."""


class TrainingDiverged(LearnlabError):
    """The loss became NaN or infinite; the run stopped (its last checkpoint is kept)."""

    exit_code = 1


def unknown_name(kind: str, name: str, names, hint: str = "") -> ConfigError:
    """The error for a name that is not registered: what exists, and the closest match."""
    import difflib

    names = list(names)
    close = difflib.get_close_matches(str(name), names, n=1)
    guess = f" Did you mean {close[0]!r}?" if close else ""
    listing = f" You can choose one of: {', '.join(names)}."
    return ConfigError(f"unknown {kind} {name!r}.{guess}{listing}{hint}")
