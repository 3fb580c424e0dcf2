"""Built-in callbacks, one per file; see `learnlab.train.events` for the event order."""

from learnlab.train.callbacks.checkpointing import Checkpointer
from learnlab.train.callbacks.early_stopping import EarlyStopping
from learnlab.train.callbacks.grad_clip import GradientClipping
from learnlab.train.callbacks.loss_curve import LossCurve
from learnlab.train.callbacks.metrics_log import MetricsLog
from learnlab.train.callbacks.nan_guard import NanGuard
from learnlab.train.callbacks.progress import ProgressBar
from learnlab.train.callbacks.scalar_log import ScalarLogger

__all__ = [
    "Checkpointer",
    "EarlyStopping",
    "GradientClipping",
    "LossCurve",
    "MetricsLog",
    "NanGuard",
    "ProgressBar",
    "ScalarLogger",
]
