"""An MLflow run per learnlab run, through MLflow's tracking client (`mlflow` or the lighter
`mlflow-skinny`: learnlab's extra `mlflow`).

The tracking store is MLflow's own choice when $MLFLOW_TRACKING_URI is set (a tracking server,
a shared database); otherwise a SQLite store in the run directory, `<run dir>/mlflow.db`
(`mlflow ui --backend-store-uri sqlite:///<run dir>/mlflow.db` shows it). Not MLflow's file
store: it is in maintenance mode (MLflow 3.18 refuses it unless told otherwise), and SQLite is
what MLflow recommends instead; its SQLAlchemy and Alembic come with learnlab's optuna. The
experiment is $MLFLOW_EXPERIMENT_NAME, else "learnlab". The run's configuration becomes the
MLflow run's parameters; a resumed learnlab run continues the same MLflow run (its id is kept
in the checkpoint).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from learnlab.formatting import flatten

EXPERIMENT = "learnlab"
# what MLflow's log_batch takes at most per call
_PARAMS_BATCH, _METRICS_BATCH = 100, 1000


class MlflowSink:
    """A ScalarSink (learnlab.train.callbacks.scalar_log) logging to one MLflow run."""

    def __init__(self, run_dir: Path, params: dict[str, Any]) -> None:
        run_dir = Path(run_dir).resolve()
        self.run_name = run_dir.name
        self.params = {key: str(value) for key, value in flatten(params).items()}
        self.tracking_uri = os.environ.get("MLFLOW_TRACKING_URI") or (
            "sqlite:///" + str(run_dir / "mlflow.db")
        )
        self.where = f"MLflow at {self.tracking_uri}"
        self.run_id: str | None = None
        self._client = None

    def open(self, purge_from: int | None) -> None:
        del purge_from  # MLflow keeps every value it was sent; a resumed run logs on after it
        from mlflow.tracking import MlflowClient

        self._client = MlflowClient(tracking_uri=self.tracking_uri)
        if self.run_id is not None:
            self._client.update_run(self.run_id, status="RUNNING")
            return
        name = os.environ.get("MLFLOW_EXPERIMENT_NAME") or EXPERIMENT
        experiment = self._client.get_experiment_by_name(name)
        experiment_id = (
            experiment.experiment_id if experiment else self._client.create_experiment(name)
        )
        self.run_id = self._client.create_run(experiment_id, run_name=self.run_name).info.run_id
        from mlflow.entities import Param

        items = [Param(k, v) for k, v in self.params.items()]
        for start in range(0, len(items), _PARAMS_BATCH):
            self._client.log_batch(self.run_id, params=items[start : start + _PARAMS_BATCH])

    def write(self, rows: list[tuple[int, dict[str, float]]]) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        metrics = [Metric(k, v, now, step) for step, scalars in rows for k, v in scalars.items()]
        for start in range(0, len(metrics), _METRICS_BATCH):
            self._client.log_batch(self.run_id, metrics=metrics[start : start + _METRICS_BATCH])

    def close(self, status: str) -> None:
        if self._client is not None and self.run_id is not None:
            self._client.set_terminated(self.run_id, status)
        self._client = None

    def state_dict(self) -> dict:
        return {"run_id": self.run_id}

    def load_state_dict(self, state: dict) -> None:
        self.run_id = state.get("run_id", self.run_id)
