"""A scan that resumes where it stopped: its finished points in a JSON file, rewritten
atomically (learnlab.io.atomic) as points finish, and read back by the next call with the same
grid.

The file names what it is a scan of (the grid, the batch-norm mode, a SHA-256 of the states and
directions); a file of another scan is refused rather than silently mixed in. The data and the
objective cannot be fingerprinted: a scan resumed with other data is the caller's mistake.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import torch

from learnlab.io.atomic import atomic_write_text
from learnlab.io.errors import ConfigError

FORMAT = "learnlab.landscape/1"


def fingerprint(states: Iterable[Mapping[str, torch.Tensor]]) -> str:
    """SHA-256 of the names, dtypes, shapes and bytes of every tensor of `states`."""
    digest = hashlib.sha256()
    for state in states:
        for name in sorted(state):
            tensor = state[name].detach().cpu().contiguous()
            digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)};".encode())
            digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


class GridCheckpoint:
    """Finished points by key ("i" of a line, "i,j" of a plane), each the loss and metrics
    there. Without a path it only holds them in memory."""

    def __init__(self, path: str | Path | None, spec: dict[str, Any]) -> None:
        self.path = None if path is None else Path(path)
        self.spec = spec
        self.points: dict[str, dict[str, float]] = {}
        if self.path is not None and self.path.is_file():
            self.points = self._read(self.path)

    def _read(self, path: Path) -> dict[str, dict[str, float]]:
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ConfigError(
                f"checkpoint_path {path} is not a landscape checkpoint ({error}); delete it or "
                "give another path."
            ) from error
        if not isinstance(stored, dict) or stored.get("format") != FORMAT:
            raise ConfigError(f"checkpoint_path {path} is not a landscape checkpoint ({FORMAT}).")
        if stored.get("spec") != self.spec:
            raise ConfigError(
                f"checkpoint_path {path} holds another scan (another grid, batch-norm mode, "
                "states or directions); delete it to start this one, or give another path."
            )
        return {key: dict(values) for key, values in stored["points"].items()}

    def get(self, key: str) -> dict[str, float] | None:
        return self.points.get(key)

    def put(self, key: str, values: dict[str, float], *, write: bool = True) -> None:
        self.points[key] = values
        if write:
            self.write()

    def write(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"format": FORMAT, "spec": self.spec, "points": self.points})
        atomic_write_text(self.path, text)
