"""Pages are written to be shared (mailed, attached to an issue, put on a course page), so
they hold no absolute path of the machine that wrote them: a path is shown relative to the
page's folder, the way a link on the page is resolved.

`shareable_path(path, page_dir)` is that relative path; `shareable_values(data, page_dir)`
rewrites every string of a configuration that is an absolute path (`data_root`, a model given
as `/home/me/nets.py:build`, ...) the same way, in nested dicts and lists too.

Example:
    >>> shareable_path("/home/me/runs/a", "/home/me/pages")
    '../runs/a'
    >>> shareable_values({"data_root": "/home/me/data", "lr": 0.1}, "/home/me/runs/a")
    {'data_root': '../../data', 'lr': 0.1}
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def shareable_path(path: str | Path, page_dir: str | Path) -> str:
    """`path` relative to `page_dir` (both resolved first), with forward slashes; its
    name alone where no relative path exists (another drive on Windows)."""
    target, start = Path(path).resolve(), Path(page_dir).resolve()
    try:
        relative = os.path.relpath(target, start)
    except ValueError:
        return target.name
    return Path(relative).as_posix()


def _shareable_text(text: str, page_dir: str | Path) -> str:
    # a model factory in the user's file: "path/to/nets.py:build"
    head, colon, tail = text.rpartition(":")
    if colon and head.endswith(".py") and os.path.isabs(head):
        return shareable_path(head, page_dir) + colon + tail
    if os.path.isabs(text):
        return shareable_path(text, page_dir)
    return text


def shareable_values(data: Any, page_dir: str | Path) -> Any:
    """`data` with each string that is an absolute path made relative to `page_dir`."""
    if isinstance(data, str):
        return _shareable_text(data, page_dir)
    if isinstance(data, dict):
        return {key: shareable_values(value, page_dir) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [shareable_values(value, page_dir) for value in data]
    return data
