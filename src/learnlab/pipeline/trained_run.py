"""A finished `learnlab train` run loaded for analysis: its configuration, its trained model,
its data (normalised as in training) and the model with the normalisation in front, which
takes inputs in [0, 1] as the attacks of `learnlab.analysis.adversarial` need.

Example:
    >>> run = load_trained_run("runs/20261206-mnist-lenet5")  # doctest: +SKIP
    >>> x01 = run.unit_inputs(run.data.test.x[:100])  # doctest: +SKIP
    >>> run.unit_model()(x01).shape  # doctest: +SKIP
    torch.Size([100, 10])
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from learnlab.config import TrainConfig, build_config
from learnlab.io.errors import ConfigError
from learnlab.pipeline.train_job import PreparedData, prepare_data


class Standardize(nn.Module):
    """(x - mean) / std: the normalisation training applied to inputs scaled to [0, 1]."""

    def __init__(self, mean: float, std: float) -> None:
        super().__init__()
        self.mean, self.std = float(mean), float(std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


@dataclass
class TrainedRun:
    run_dir: Path
    config: TrainConfig
    model: nn.Module  # takes inputs normalised as in training; in eval mode
    data: PreparedData  # normalised as in training
    mean: float
    std: float

    def unit_model(self) -> nn.Module:
        """The model behind its input normalisation: it takes inputs in [0, 1]."""
        return nn.Sequential(Standardize(self.mean, self.std), self.model).eval()

    def unit_inputs(self, x: torch.Tensor) -> torch.Tensor:
        """Normalised inputs back on the [0, 1] scale (raw values divided by the data set's
        scale)."""
        return x * self.std + self.mean


def load_trained_run(run_dir: str | Path, *, data_root: str | None = None) -> TrainedRun:
    """The trained model and the data of the `learnlab train` run in `run_dir`."""
    from learnlab.models.saved import load_model, load_model_info
    from learnlab.runs.directory import CONFIG_FILE, read_json_object

    run_dir = Path(run_dir)
    config_path = run_dir / CONFIG_FILE
    if not config_path.is_file() or not (run_dir / "model.safetensors").is_file():
        raise ConfigError(
            f"{run_dir}: no trained model there (a `learnlab train` run directory has "
            "config.json and model.safetensors); train one with `learnlab train ... --run-dir`."
        )
    saved = read_json_object(config_path)
    if data_root is not None:
        saved["data_root"] = data_root
    config = build_config(TrainConfig, base=saved)
    info = load_model_info(run_dir)
    return TrainedRun(
        run_dir=run_dir,
        config=config,
        model=load_model(run_dir),
        data=prepare_data(config),
        mean=float(info.get("mean", 0.0)),
        std=float(info.get("std", 1.0)),
    )
