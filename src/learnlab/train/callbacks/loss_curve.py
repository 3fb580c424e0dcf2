"""Keep the training loss of every optimizer step, for the report's within-epoch curve.

The losses stay on the device as tensors and are read in one transfer per epoch (or when a
checkpoint needs them), so recording them costs no host synchronisation per batch.
"""

from __future__ import annotations

import torch

from learnlab.train.events import Callback


class LossCurve(Callback):
    order = 50

    def __init__(self) -> None:
        self.losses: list[float] = []
        self._pending: list[torch.Tensor] = []

    def after_step(self, trainer) -> None:
        self._pending.append(trainer.loss.detach())

    def _flush(self) -> None:
        if self._pending:
            self.losses += torch.stack(self._pending).float().cpu().tolist()
            self._pending.clear()

    def after_epoch(self, trainer) -> None:
        self._flush()

    def after_fit(self, trainer) -> None:
        self._flush()

    def state_dict(self) -> dict:
        self._flush()
        return {"losses": list(self.losses)}

    def load_state_dict(self, state: dict) -> None:
        self.losses = list(state.get("losses", []))
        self._pending.clear()
