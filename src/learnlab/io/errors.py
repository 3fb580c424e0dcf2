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


def closest_name(name: object, names, aliases: dict[str, str] | None = None) -> str | None:
    """The entry of `names` that `name` most likely meant, or None: an exact match up to case
    and '-' against '_' ('MNIST' -> 'mnist'), else a name `aliases` gives for it (another
    library's word for ours: 'learning_rate' -> 'lr'), else difflib's closest ('lenet' ->
    'lenet5')."""
    import difflib

    def plain(text: object) -> str:
        return str(text).strip().lower().replace("_", "-")

    by_plain = {plain(n): str(n) for n in names}
    wanted = plain(name)
    if wanted in by_plain:
        return by_plain[wanted]
    for alias, target in (aliases or {}).items():
        if plain(alias) == wanted and plain(target) in by_plain:
            return by_plain[plain(target)]
    close = difflib.get_close_matches(wanted, list(by_plain), n=1)
    return by_plain[close[0]] if close else None


def unknown_name(kind: str, name: str, names, hint: str = "") -> ConfigError:
    """The error for a name that is not registered: what exists, and the closest match."""
    names = list(names)
    close = closest_name(name, names)
    guess = f" Did you mean {close!r}?" if close else ""
    listing = f" You can choose one of: {', '.join(names)}."
    return ConfigError(f"unknown {kind} {name!r}.{guess}{listing}{hint}")
