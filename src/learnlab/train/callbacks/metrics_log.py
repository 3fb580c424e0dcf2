"""Write the metric history to `metrics.jsonl`, one line per epoch, as epochs finish."""

from __future__ import annotations

import json
from pathlib import Path

from learnlab.io.atomic import atomic_write_text
from learnlab.train.events import Callback


class MetricsLog(Callback):
    order = 50

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _write(self, trainer) -> None:
        lines = "".join(json.dumps(record) + "\n" for record in trainer.history)
        atomic_write_text(self.path, lines)

    def before_fit(self, trainer) -> None:
        # a resumed run starts from the history in its checkpoint, not from what was on disk
        self._write(trainer)

    def after_epoch(self, trainer) -> None:
        self._write(trainer)
