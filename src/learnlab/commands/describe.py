"""`learnlab describe [KIND] NAME`: one model, recipe, data set, optimizer, schedule or
initialisation in full: what it is, its paper, its options (types, defaults, allowed values)
and an example command that runs as printed (`learnlab.commands.descriptions`).

A name registered in several registries (`char-transformer` is a model and a recipe) is
described in each; `learnlab describe model char-transformer` picks one. A model in your own
file is described from its signature: `learnlab describe my_net.py:build`. `--json` prints the
same as JSON.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from learnlab.commands.descriptions import KINDS

if TYPE_CHECKING:
    from learnlab.commands.descriptions import Description

NAME = "describe"
HELP = "a model, recipe, data set, optimizer or schedule: options, defaults, paper, example"
DESCRIPTION = (
    "Describe one model, recipe, data set, optimizer, schedule or initialisation: its options "
    "with their types, defaults and allowed values, its paper, and an example command.\n\n"
    "examples:\n"
    "  learnlab describe mlp\n"
    "  learnlab describe model char-transformer     (char-transformer is a recipe too)\n"
    "  learnlab describe adam --json\n"
    "  learnlab describe my_net.py:build            (your own model factory)"
)
# `learnlab list` names the kinds in the plural
KIND_WORDS = {**{k: k for k in KINDS}, **{f"{k}s": k for k in KINDS}}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "words",
        nargs="+",
        metavar="[KIND] NAME",
        help=f"a name (learnlab list), optionally after its kind: {', '.join(KINDS)}",
    )
    parser.add_argument("--json", action="store_true", help="print the description as JSON")


def run(args: argparse.Namespace) -> int:
    from learnlab.io.errors import ConfigError

    words = list(args.words)
    if len(words) == 2 and words[0] in KIND_WORDS:
        found = [(KIND_WORDS[words[0]], resolve(KIND_WORDS[words[0]], words[1]))]
    elif len(words) == 1:
        found = find(words[0])
    else:
        raise ConfigError(
            f"learnlab describe takes NAME or KIND NAME (KIND: {', '.join(KINDS)}); "
            f"got {' '.join(words)!r}."
        )
    show(found, as_json=args.json)
    return 0


def resolve(kind: str, name: str) -> str:
    """The registered name of `kind` that `name` means ('MNIST' -> 'mnist'), or ConfigError."""
    from learnlab.commands.descriptions import names_of
    from learnlab.io.errors import unknown_name

    if kind == "model" and ":" in name:
        return name  # path/to/file.py:factory
    names = names_of(kind)
    by_plain = {n.lower().replace("_", "-"): n for n in names}
    plain = name.strip().lower().replace("_", "-")
    if plain not in by_plain:
        raise unknown_name(kind, name, names, f" `learnlab list {kind}s` describes them.")
    return by_plain[plain]


def find(name: str) -> list[tuple[str, str]]:
    """(kind, registered name) of every registry that holds `name`; ConfigError with the
    closest name of any kind when none does."""
    from learnlab.commands.descriptions import names_of
    from learnlab.io.errors import ConfigError, closest_name

    if ":" in name:
        return [("model", name)]
    found = []
    for kind in KINDS:
        by_plain = {n.lower().replace("_", "-"): n for n in names_of(kind)}
        plain = name.strip().lower().replace("_", "-")
        if plain in by_plain:
            found.append((kind, by_plain[plain]))
    if found:
        return found
    kind_of = {n: kind for kind in reversed(KINDS) for n in names_of(kind)}
    close = closest_name(name, list(kind_of))
    guess = f" Did you mean {close!r} (a {kind_of[close]})?" if close else ""
    raise ConfigError(
        f"no model, recipe, data set, optimizer, schedule or init is called {name!r}.{guess} "
        "`learnlab list` shows every name."
    )


def show(found: list[tuple[str, str]], *, as_json: bool) -> None:
    """Print the descriptions: readable text, or a JSON list."""
    import json

    from learnlab.commands.descriptions import describe

    descriptions = [describe(kind, name) for kind, name in found]
    if as_json:
        print(json.dumps([d.as_json() for d in descriptions], indent=2))
        return
    if len(descriptions) > 1:
        kinds = " and a ".join(d.kind for d in descriptions)
        print(f"{descriptions[0].name} is a {kinds}; `learnlab describe KIND NAME` shows one.\n")
    print("\n\n".join(render(d) for d in descriptions))


def render(d: Description) -> str:
    """One description as text."""
    lines = [f"{d.kind} {d.name}", f"  {d.summary}"]
    if d.paper:
        lines.append(f"  paper: {d.paper}")
    lines += [f"  {label}: {text}" for label, text in d.facts]
    if d.options:
        lines.append(f"  options ({d.options_how}):" if d.options_how else "  options:")
        defaults = ["required" if o.required else _shown(o.default) for o in d.options]
        width = max(len(o.name) for o in d.options)
        types = max(len(o.type) for o in d.options)
        shown = max(len(text) for text in defaults)
        for o, default in zip(d.options, defaults, strict=True):
            allowed = f"  one of: {', '.join(map(str, o.choices))}" if o.choices else ""
            row = f"    {o.name:<{width}}  {o.type:<{types}}  {default:<{shown}}{allowed}"
            lines.append(row.rstrip())
    elif d.kind in ("model", "optimizer", "schedule"):
        lines.append("  options: none")
    if d.examples:
        lines.append("  example:" if len(d.examples) == 1 else "  examples:")
        lines += [f"    {e}" for e in d.examples]
    return "\n".join(lines)


def _shown(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "none"}[value]
    if isinstance(value, list):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    return str(value)
