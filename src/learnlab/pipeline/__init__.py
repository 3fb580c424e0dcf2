"""The supervised train job behind `learnlab train`, and what it is built from.

    train_job  data -> model -> objective -> Trainer -> Result -> publish (run_training)
    build      model, optimizer and schedule from a TrainConfig (also for --dry-run)

`from learnlab.pipeline import run_training` is the entry point recipes and the CLI use.
"""

from learnlab.pipeline.evaluation import predict_probabilities
from learnlab.pipeline.train_job import (
    PreparedData,
    prepare_data,
    run_training,
    train_model,
)

__all__ = [
    "PreparedData",
    "predict_probabilities",
    "prepare_data",
    "run_training",
    "train_model",
]
