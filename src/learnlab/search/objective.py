"""What a trial evaluates: a training run, or a synthetic function.

Training: the trial's parameters are set into the base config (dotted names into nested
options), the result is validated as a TrainConfig, and the training function the caller
injected (`learnlab.pipeline.run_training`, passed in by `learnlab search`: the search sits
beside the pipeline and does not import it) trains it into its own run directory under the
search directory (`trials/<study>-<number>`, kept out of the run index). After every epoch
`PruningCallback` reports the metric to the trial; when the pruner says stop, it ends the fit
with CancelFit (the run directory is finished as far as it got) and the trial is then marked
pruned. The trial's value is the metric in the run's summary (test metrics and the last epoch's
train_/val_ values), or in its last epoch's record.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from learnlab.io.errors import ConfigError
from learnlab.search.space import ParamValue, trial_config
from learnlab.search.spec import SearchSpec
from learnlab.train.events import Callback, CancelFit

if TYPE_CHECKING:
    import optuna
    from rich.console import Console

    from learnlab.config import TrainConfig

Evaluator = Callable[["optuna.Trial", dict[str, ParamValue]], float]
TRIALS_DIR = "trials"


class TrainedRun(Protocol):
    """What a training function returns: the run's summary and its per-epoch history."""

    summary: dict[str, Any]
    history: list[dict[str, float]]


class TrainFunction(Protocol):
    """The signature of `learnlab.pipeline.run_training` that a search uses."""

    def __call__(
        self,
        config: TrainConfig,
        *,
        run_dir: Path,
        console: Console,
        title: str,
        extra_callbacks: list[Callback],
        index: bool,
        report: bool,
    ) -> TrainedRun: ...


def reporter(trial: optuna.Trial) -> Callable[[float, int], None]:
    """report(value, step) for synthetic objectives: TrialPruned when the pruner says so."""
    import optuna

    def report(value: float, step: int) -> None:
        trial.report(value, step)
        if trial.should_prune():
            raise optuna.TrialPruned(f"pruned at step {step}")

    return report


class PruningCallback(Callback):
    """Reports the metric after every epoch; stops the fit when the trial should be pruned.

    Runs after the metrics log and early stopping (60) and before checkpointing (70), so a
    pruned run's last epoch is in its metrics.jsonl.
    """

    order = 65

    def __init__(self, trial: optuna.Trial, metric: str, *, pruning: bool) -> None:
        self.trial, self.metric, self.pruning = trial, metric, pruning
        self.pruned_epoch: int | None = None

    def after_epoch(self, trainer) -> None:
        record = trainer.history[-1]
        if self.metric not in record:
            if self.pruning:
                raise ConfigError(
                    f"pruning compares {self.metric!r} after every epoch, but a run records "
                    f"only {', '.join(sorted(record))} per epoch.\nChoose one of those as the "
                    'metric, or set pruner = "none".'
                )
            return  # a summary-only metric (test_*): nothing to report per epoch
        epoch = int(record["epoch"])
        self.trial.report(float(record[self.metric]), epoch)
        if self.trial.should_prune():
            self.pruned_epoch = epoch
            raise CancelFit


class TrainingEvaluator:
    """Trains one trial's config with `train` and returns its metric."""

    def __init__(
        self, spec: SearchSpec, search_dir: Path, study_name: str, train: TrainFunction
    ) -> None:
        # the search prints one line per trial, so each trial's own progress bar stays off;
        # a trial is judged by its metric alone: no baselines' fit (seconds per trial on MNIST)
        self.base = {**spec.base, "baselines": False, "progress": False}
        self.spec, self.search_dir, self.study_name = spec, Path(search_dir), study_name
        self.train = train

    def __call__(self, trial: optuna.Trial, params: dict[str, ParamValue]) -> float:
        import optuna
        from rich.console import Console

        config = trial_config(self.base, params)
        run_dir = self.search_dir / TRIALS_DIR / f"{self.study_name}-{trial.number:04d}"
        trial.set_user_attr("run_dir", str(run_dir))
        callback = PruningCallback(
            trial, self.spec.metric, pruning=self.spec.settings.pruner != "none"
        )
        outcome = self.train(
            config,
            run_dir=run_dir,
            console=Console(quiet=True),
            title=f"search trial {trial.number}",
            extra_callbacks=[callback],
            index=False,
            # a trial takes seconds: its report's figures and the baselines' fit would double
            # that; `learnlab report RUN` draws a trial's report from its files on demand
            report=False,
        )
        if callback.pruned_epoch is not None:
            raise optuna.TrialPruned(f"pruned after epoch {callback.pruned_epoch}")
        return metric_value(outcome.summary, outcome.history, self.spec.metric)


def metric_value(summary: dict[str, Any], history: list[dict[str, float]], metric: str) -> float:
    """The metric from the run's summary, else from its last epoch's record."""
    if metric in summary and isinstance(summary[metric], (int, float)):
        return float(summary[metric])
    if history and metric in history[-1]:
        return float(history[-1][metric])
    recorded = sorted(
        {k for k, v in summary.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
        | set(history[-1] if history else {})
    )
    raise ConfigError(
        f"metric {metric!r} is not recorded by a training run; it records: "
        f"{', '.join(recorded)}.\nSet metric in [search] to one of them."
    )


def build_evaluator(
    spec: SearchSpec, search_dir: Path, study_name: str, train: TrainFunction | None = None
) -> Evaluator:
    """The function a trial calls with its parameters to get its value; a training objective
    trains with `train` (e.g. `learnlab.pipeline.run_training`)."""
    if not spec.synthetic:
        if train is None:
            raise TypeError(
                "a search with a training objective needs the training function: pass "
                "train=learnlab.pipeline.run_training to run_search"
            )
        return TrainingEvaluator(spec, search_dir, study_name, train)
    from learnlab.search.synthetic import get_synthetic, parse_options

    function = get_synthetic(spec.settings.objective)
    options = parse_options(spec.settings.objective_options)

    def evaluate(trial: optuna.Trial, params: dict[str, ParamValue]) -> float:
        return function(params, reporter(trial), options)  # type: ignore[arg-type]

    return evaluate
