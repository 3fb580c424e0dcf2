"""The timings of earlier thread calibrations, so that a run like an earlier one does not time
its steps again (learnlab.train.threads).

One small JSON file, `threads.json` in learnlab's cache folder: `$LEARNLAB_CACHE`, else
`$XDG_CACHE_HOME/learnlab`, else `~/.cache/learnlab`. Each entry is keyed by what the timing
depends on (the machine's CPU and cores, torch's version, the model and its options, the input
shape, the batch size, the idle cores) and holds the seconds per step of each thread count
tried. The file is written atomically; one that cannot be read or parsed counts as empty (a
cache is never worth failing a run for) and is replaced whole by the next write. The newest
`MAX_ENTRIES` entries are kept.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from learnlab.io.atomic import atomic_write_text
from learnlab.io.errors import LearnlabError

CACHE_FILE = "threads.json"
MAX_ENTRIES = 500


def cache_folder(environ: Mapping[str, str] | None = None) -> Path:
    """`$LEARNLAB_CACHE`, else `$XDG_CACHE_HOME/learnlab`, else `~/.cache/learnlab`."""
    environ = os.environ if environ is None else environ
    if environ.get("LEARNLAB_CACHE"):
        return Path(environ["LEARNLAB_CACHE"])
    xdg = environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "learnlab"


def key_text(key: Mapping[str, Any]) -> str:
    """The entry's name: `key` as canonical JSON (sorted keys, no spaces)."""
    return json.dumps(key, sort_keys=True, separators=(",", ":"), default=str)


class ThreadCache:
    """Seconds per step by thread count, stored in `path` under keys of what they depend on."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @classmethod
    def default(cls, environ: Mapping[str, str] | None = None) -> ThreadCache:
        return cls(cache_folder(environ) / CACHE_FILE)

    def _entries(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # absent, unreadable, not JSON, not UTF-8
            return {}
        entries = data.get("entries") if isinstance(data, dict) else None
        return entries if isinstance(entries, dict) else {}

    def get(self, key: Mapping[str, Any]) -> dict[int, float] | None:
        """The timings stored for `key`, or None (also for an entry that does not parse)."""
        entry = self._entries().get(key_text(key))
        try:
            timings = {int(n): float(s) for n, s in entry["seconds_per_step"].items()}
        except (TypeError, KeyError, ValueError, AttributeError):
            return None
        if not timings or any(n < 1 or not s > 0 for n, s in timings.items()):
            return None
        return timings

    def put(self, key: Mapping[str, Any], seconds_per_step: Mapping[int, float]) -> None:
        """Store the timings of `key` (best effort: a folder that cannot be written is
        skipped silently, and the run goes on)."""
        entries = self._entries()
        entries[key_text(key)] = {
            "seconds_per_step": {str(n): s for n, s in sorted(seconds_per_step.items())},
            "measured": time.time(),
        }
        if len(entries) > MAX_ENTRIES:
            newest = sorted(entries.items(), key=lambda item: _measured(item[1]))[-MAX_ENTRIES:]
            entries = dict(newest)
        text = json.dumps({"version": 1, "entries": entries}, indent=1, sort_keys=True)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.path, text + "\n")
        except (OSError, LearnlabError):
            pass


def _measured(entry: Any) -> float:
    try:
        return float(entry["measured"])
    except (TypeError, KeyError, ValueError):
        return 0.0
