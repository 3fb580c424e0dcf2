"""Send a run's scalars to an experiment tracker as it trains: TensorBoard or MLflow.

PyTorch Lightning and Keras users look for their curves there. Everything goes against the
global step (optimizer steps done), as Lightning logs it, under metrics.jsonl's names:

- `train_step_loss` after every optimizer step; the losses stay on the device and are read in
  one transfer every `flush_seconds` and at the end of every epoch, so logging adds no host
  synchronisation per batch;
- every number of the epoch's record in metrics.jsonl (epoch, train_*, val_*, lr, seconds) at
  the step that ended the epoch;
- the test metrics once they are known (`log_test_metrics`, called by the pipeline).

The tracker's files go beside the run's own: `<run dir>/tensorboard/` (open with
`tensorboard --logdir runs`) or, for MLflow, the tracking store of $MLFLOW_TRACKING_URI when it
is set, else a SQLite store `<run dir>/mlflow.db`. The backends are `ScalarSink`s
(learnlab.train.callbacks.tensorboard_sink, .mlflow_sink); their packages are optional extras.
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import Any, Protocol

import torch

from learnlab.train.events import Callback

# logger -> the module it needs; learnlab's pip extra of the same name installs it
LOGGER_MODULES = {"tensorboard": "tensorboard", "mlflow": "mlflow"}
LOGGER_NAMES: tuple[str, ...] = ("none", *LOGGER_MODULES)


def check_logger_installed(name: str) -> str:
    """`name` (a known logger) if its package can be imported; a ValueError that says how to
    install it otherwise. Nothing is imported."""
    module = LOGGER_MODULES.get(name)
    if module is not None and importlib.util.find_spec(module) is None:
        raise ValueError(
            f"logger {name!r} needs the {module} package, which is not installed. Install it "
            f"with learnlab's extra: pip install -e '.[{name}]' (in learnlab's folder), or "
            f"pip install {module}; or choose logger 'none'"
        )
    return name


class ScalarSink(Protocol):
    """Where the scalars go. `open(purge_from)`: start (again); on a resumed fit, what was
    logged from step `purge_from` on came after the checkpoint and is replaced. `where`: the
    place, in words, for the console."""

    where: str

    def open(self, purge_from: int | None) -> None: ...

    def write(self, rows: list[tuple[int, dict[str, float]]]) -> None: ...  # (step, scalars)

    def close(self, status: str) -> None: ...  # "FINISHED", "FAILED" or "KILLED"

    def state_dict(self) -> dict: ...

    def load_state_dict(self, state: dict) -> None: ...


class ScalarLogger(Callback):
    """Logs the per-step loss and each epoch's record to `sink` as the fit goes (module
    docstring); the pipeline adds the test metrics with `log_test_metrics`."""

    order = 55  # after the metric history (50) has the epoch's record, before checkpoints (70)

    def __init__(self, sink: ScalarSink, flush_seconds: float = 10.0) -> None:
        self.sink = sink
        self.flush_seconds = flush_seconds
        self._pending: list[tuple[int, torch.Tensor]] = []
        self._last_flush = time.monotonic()

    def before_fit(self, trainer) -> None:
        self._pending.clear()
        self.sink.open(trainer.step + 1 if trainer.step > 0 else None)
        self._last_flush = time.monotonic()

    def after_step(self, trainer) -> None:
        self._pending.append((trainer.step, trainer.loss.detach()))

    def after_batch(self, trainer) -> None:
        if time.monotonic() - self._last_flush >= self.flush_seconds:
            self._flush_steps()

    def after_epoch(self, trainer) -> None:
        self._flush_steps()
        record = trainer.history[-1]
        self.sink.write([(trainer.step, {k: float(v) for k, v in record.items()})])

    def after_fit(self, trainer) -> None:
        self._flush_steps()
        error = trainer.error
        status = "FINISHED" if error is None else "FAILED"
        if isinstance(error, KeyboardInterrupt):
            status = "KILLED"
        self.sink.close(status)

    def log_final(self, scalars: dict[str, float], step: int) -> None:
        """Scalars known after the fit (the test metrics), at `step`."""
        self.sink.open(None)
        self.sink.write([(step, scalars)])
        self.sink.close("FINISHED")

    def _flush_steps(self) -> None:
        if self._pending:
            losses = torch.stack([loss for _, loss in self._pending]).float().cpu().tolist()
            steps = [step for step, _ in self._pending]
            rows = zip(steps, losses, strict=True)
            self.sink.write([(step, {"train_step_loss": loss}) for step, loss in rows])
            self._pending.clear()
        self._last_flush = time.monotonic()

    def state_dict(self) -> dict:
        return self.sink.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.sink.load_state_dict(state)


def scalar_logger(name: str, run_dir: Path, params: dict[str, Any]) -> ScalarLogger:
    """The ScalarLogger of logger `name` ("tensorboard" or "mlflow") for a run in `run_dir`;
    `params` (the run's configuration) are logged as MLflow's run parameters."""
    check_logger_installed(name)
    run_dir = Path(run_dir)
    if name == "tensorboard":
        from learnlab.train.callbacks.tensorboard_sink import TensorBoardSink

        return ScalarLogger(TensorBoardSink(run_dir / "tensorboard"))
    if name == "mlflow":
        from learnlab.train.callbacks.mlflow_sink import MlflowSink

        return ScalarLogger(MlflowSink(run_dir, params))
    raise ValueError(f"unknown logger {name!r}; known: {', '.join(LOGGER_NAMES)}")


def log_test_metrics(trainer, summary: dict[str, Any]) -> None:
    """Send the summary's test metrics to the trainer's ScalarLogger, if it has one, at the
    last step."""
    logger = trainer.callback(ScalarLogger)
    if logger is None:
        return
    scalars = {
        k: float(v)
        for k, v in summary.items()
        if k.startswith("test_") and isinstance(v, int | float) and not isinstance(v, bool)
    }
    logger.log_final(scalars, trainer.step)
