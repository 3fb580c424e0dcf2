"""Models from the user's own file: `"path/to/file.py:function"`.

The file is imported by path (`importlib.util.spec_from_file_location`) under a fresh module
name, so two files called `model.py` never collide and an edited file is read again. While it
runs, its folder is put in front of `sys.path` so that it can import its neighbours; `sys.path`
is restored afterwards. The function is then called like a registered factory
(`learnlab.models.factories`): the example's shape under the first of `input_shape`,
`in_shape`, `shape`, `image_shape` that it takes, the number of outputs under the first of
`num_outputs`, `num_classes`, `n_classes`, `classes`... that it takes, and the user's options
for the rest; it must return an `nn.Module`. A required argument that is none of these and not
given as an option is an error that shows the signature found and the one expected.

Every failure (no such file, not a `.py` file, an exception while importing, no such function,
not callable, wrong return type) is a `ConfigError` that names the file, and for exceptions
raised inside the file, the line that raised.

Example, with `def make(input_shape, num_classes, hidden=64): ...` in `my_model.py`:
    >>> build_model("my_model.py:make", (1, 28, 28), 10, hidden=32)  # doctest: +SKIP
"""

from __future__ import annotations

import importlib.util
import itertools
import re
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.models.factories import call_factory

FORM = "'path/to/file.py:function'"
_counter = itertools.count()


def _parse(spec: str) -> tuple[Path, str]:
    path_text, sep, function = spec.rpartition(":")
    if not sep or not path_text or not function.isidentifier():
        raise ConfigError(
            f"cannot read model {spec!r}: expected {FORM}, a Python file and the name of a "
            "function in it that returns an nn.Module."
        )
    return Path(path_text).expanduser(), function


def _where(exc: BaseException, path: Path) -> str:
    """`Type: message (path, line N: code)` for the innermost frame of `exc` inside `path`."""
    what = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, SyntaxError):
        code = (exc.text or "").strip()
        return f"{type(exc).__name__}: {exc.msg} ({path}, line {exc.lineno}: {code})"
    target = path.resolve()
    frames = [
        f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == target
    ]
    if not frames:
        return what
    frame = frames[-1]
    return f"{what} ({path}, line {frame.lineno}: {(frame.line or '').strip()})"


def _import_file(path: Path) -> Any:
    stem = re.sub(r"\W", "_", path.stem)
    name = f"learnlab_user_{stem}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"cannot import {path}: Python does not recognise it as a module.")
    module = importlib.util.module_from_spec(spec)
    # Registered while it runs, as `import` would: dataclasses and pickling look it up there.
    sys.modules[name] = module
    folder = str(path.resolve().parent)
    sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:  # a script that calls sys.exit() at import, too
        sys.modules.pop(name, None)
        raise ConfigError(
            f"importing {path} failed: {_where(exc, path)}. Fix the file and try again."
        ) from exc
    finally:
        if folder in sys.path:
            sys.path.remove(folder)
    return module


def load_user_factory(spec: str) -> Callable[..., nn.Module]:
    """The function named by `spec` = `"path/to/file.py:function"`, imported from that file."""
    path, function = _parse(spec)
    if path.suffix != ".py":
        # A pickled model (torch.save(model)) would run code when loaded: never accepted.
        raise ConfigError(
            f"model file {path} must be a Python file ending in .py ({FORM}). learnlab builds "
            "models from code you can read and never unpickles a saved model (torch.load of a "
            "pickle can run any code); keep trained weights in a .safetensors file."
        )
    if not path.is_file():
        raise ConfigError(
            f"model file {path} does not exist (resolved to {path.resolve()}). "
            "Check the path; relative paths start from the current directory."
        )
    module = _import_file(path)
    if not hasattr(module, function):
        defined = sorted(
            n
            for n, v in vars(module).items()
            if callable(v)
            and not n.startswith("_")
            and getattr(v, "__module__", "") == module.__name__
        )
        found = f"functions defined there: {', '.join(defined)}" if defined else "it defines none"
        raise ConfigError(f"{path} has no function {function!r}; {found}.")
    factory = getattr(module, function)
    if not callable(factory):
        raise ConfigError(
            f"{function!r} in {path} is a {type(factory).__name__}, not a function; "
            "name a function that returns an nn.Module."
        )
    return factory


def build_user_model(
    spec: str, input_shape: tuple[int, ...], num_outputs: int, options: dict[str, Any]
) -> nn.Module:
    """Load the factory named by `spec` and call it (see the module docstring)."""
    factory = load_user_factory(spec)
    path, _ = _parse(spec)
    try:
        return call_factory(f"model factory {spec!r}", factory, input_shape, num_outputs, options)
    except ConfigError:
        raise
    except Exception as exc:
        # The user's code failed: say where, keep the traceback chained for debugging.
        raise ConfigError(f"model factory {spec!r} raised {_where(exc, path)}.") from exc
