"""TensorBoard event files in a folder of the run directory, through torch's SummaryWriter
(`torch.utils.tensorboard`, which needs the `tensorboard` package: learnlab's extra of that
name). `tensorboard --logdir runs` shows every run that logged there."""

from __future__ import annotations

from pathlib import Path


class TensorBoardSink:
    """A ScalarSink (learnlab.train.callbacks.scalar_log) writing to `log_dir`."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = Path(log_dir)
        self.where = f"TensorBoard in {self.log_dir}"
        self._writer = None

    def open(self, purge_from: int | None) -> None:
        from torch.utils.tensorboard import SummaryWriter

        # purge_step: TensorBoard hides what an interrupted attempt logged from that step on
        self._writer = SummaryWriter(str(self.log_dir), purge_step=purge_from)

    def write(self, rows: list[tuple[int, dict[str, float]]]) -> None:
        for step, scalars in rows:
            for tag, value in scalars.items():
                self._writer.add_scalar(tag, value, global_step=step)
        self._writer.flush()  # on disk as the run goes, not every two minutes

    def close(self, status: str) -> None:
        del status  # TensorBoard keeps no run status
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        del state
