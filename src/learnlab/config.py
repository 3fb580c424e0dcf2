"""Validated configuration: TOML files and `--set key=value` overrides into pydantic models.

Precedence, lowest first: the model's defaults, the `--config` TOML file, the command's own
flags (--lr, --epochs...), then each `--set` in order (read as `learnlab.config_text` says:
`--set lr=0.1`, `--set model_options.width=128`, `--set optimizer=sgd`). Every failure becomes
a ConfigError whose message names the key, what was wrong and what is allowed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from learnlab.config_text import apply_assignments, read_toml
from learnlab.io.errors import ConfigError


class StrictModel(BaseModel):
    """A config model that rejects unknown keys and re-validates on assignment.

    Types are strict (pydantic's strict mode): `epochs = true` or `lr = "0.1"` is an error,
    not silently 1 or 0.1; an integer is still a valid float. NaN and infinity are refused
    for every float. Building one directly (`TrainConfig(lr=-1)`, as the recipes do for
    their derived runs) raises a ConfigError with the same message as a config file would.
    """

    model_config = ConfigDict(
        extra="forbid",
        validate_assignment=True,
        protected_namespaces=(),
        strict=True,
        allow_inf_nan=False,
    )

    def __init__(self, /, **data: Any) -> None:  # `/`: a config key named "self" is just a key
        # pydantic's model_validate comes through here too; `validate` re-words the message
        # with the name of the source (a config file, a search space...)
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise InvalidSettings(exc, type(self)) from None


class InvalidSettings(ConfigError):
    """A config model built from invalid values; keeps pydantic's errors for re-wording."""

    def __init__(self, error: ValidationError, model: type[StrictModel]) -> None:
        super().__init__(format_validation_error(error, model, "settings"))
        self.validation_error = error


# the largest batch or subset size accepted: torch indexes with int32 in places
MAX_SIZE = 2**31 - 1


MAX_THREADS = 1024


def _thread_setting(value: Any) -> Any:
    if value == "auto" or (
        isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_THREADS
    ):
        return value
    raise ValueError(
        f'use "auto" or a whole number of threads from 1 to {MAX_THREADS} '
        "(e.g. --threads 1 or --set threads=2)"
    )


# torch's intra-op threads for a run: a number, or "auto" (learnlab.train.threads chooses)
ThreadsSetting = Annotated[int | Literal["auto"], BeforeValidator(_thread_setting)]


def _known(name: str, kind: str, names) -> str:
    if name not in names:
        from learnlab.io.errors import closest_name

        close = closest_name(name, [n for n in names if ":" not in n])
        guess = f" Did you mean {close!r}?" if close else ""
        raise ValueError(f"unknown {kind} {name!r}.{guess} Known: {', '.join(names)}")
    return name


# Other libraries' words for TrainConfig's keys (Keras, Lightning, Hugging Face, timm):
# an unknown key suggests ours (`--set learning_rate=0.1` -> "Did you mean 'lr'?").
KEY_ALIASES = {
    "learning_rate": "lr",
    "max_epochs": "epochs",
    "num_epochs": "epochs",
    "n_epochs": "epochs",
    "batchsize": "batch_size",
    "bs": "batch_size",
    "wd": "weight_decay",
    "optim": "optimizer",
    "scheduler": "schedule",
    "lr_scheduler": "schedule",
    "arch": "model",
    "network": "model",
    "data": "dataset",
    "random_seed": "seed",
    "gradient_clip_val": "grad_clip",
    "clip_grad_norm": "grad_clip",
    "patience": "early_stopping_patience",
}


def _logger(name: str) -> str:
    from learnlab.train.callbacks.scalar_log import LOGGER_NAMES, check_logger_installed

    return check_logger_installed(_known(name, "logger", LOGGER_NAMES))


# where a run's scalars also go as it trains (learnlab.train.callbacks.scalar_log): "none",
# "tensorboard" or "mlflow"; the package of each is an optional extra, checked here
LoggerName = Annotated[str, AfterValidator(_logger)]


class AdversarialSettings(StrictModel):
    """`TrainConfig.adversarial`: adversarial training (Goodfellow et al. 2015), the loss
    alpha J(x) + (1 - alpha) J(x_adv) with FGSM or PGD examples made at every step
    (learnlab.objectives.adversarial). `eps` and `step_size` are in pixel units (images scaled
    to [0, 1]), as are the box the examples stay in; `step_size` None: 2.5 eps / steps."""

    attack: Literal["none", "fgsm", "pgd"] = "fgsm"
    eps: float = Field(0.25, ge=0, le=100)
    alpha: float = Field(0.5, ge=0, le=1)
    norm: Literal["inf", "2"] = "inf"
    steps: int = Field(10, ge=1, le=1000)
    step_size: float | None = Field(None, gt=0, le=100)


def _adversarial(value: dict[str, Any]) -> dict[str, Any]:
    """An empty table: no adversarial training; else every setting, defaults filled in."""
    if not value:
        return value
    try:
        return AdversarialSettings(**value).model_dump()
    except InvalidSettings as exc:
        wrong = "; ".join(
            f"adversarial.{'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.validation_error.errors()
        )
        raise ValueError(
            f"{wrong}. Allowed keys: {', '.join(AdversarialSettings.model_fields)}"
        ) from None


class TrainConfig(StrictModel):
    """Everything `learnlab train` needs; each field is a TOML key and a `--set` key."""

    dataset: str = "mnist"
    model: str = "lenet5"
    model_options: dict[str, Any] = Field(default_factory=dict)
    optimizer: str = "adam"
    optimizer_options: dict[str, Any] = Field(default_factory=dict)
    lr: float = Field(2e-3, gt=0, le=100)
    momentum: float = Field(0.9, ge=0, lt=1)
    weight_decay: float = Field(0.0, ge=0, le=100)
    schedule: str = "cosine"
    schedule_options: dict[str, Any] = Field(default_factory=dict)
    init: str = "default"
    epochs: int = Field(2, ge=1, le=100_000)
    batch_size: int = Field(64, ge=1, le=MAX_SIZE)
    eval_batch_size: int = Field(1000, ge=1, le=MAX_SIZE)
    seed: int = Field(0, ge=0, lt=2**63)
    val_fraction: float = Field(0.1, ge=0, lt=1)
    limit_train: int | None = Field(None, ge=1, le=MAX_SIZE)
    augment_translate: int = Field(0, ge=0, le=8)
    grad_clip: float | None = Field(None, gt=0)
    early_stopping_patience: int | None = Field(None, ge=1)
    checkpoint_every_batches: int | None = Field(None, ge=1)
    checkpoint_every_seconds: float | None = Field(60.0, gt=0)
    # a NaN or infinite loss: "stop" the run (TrainingDiverged) or "skip" the batch (stopping
    # anyway after 10 bad batches in a row); see learnlab.train.callbacks.nan_guard
    nan_policy: Literal["stop", "skip"] = "stop"
    device: str = "auto"
    threads: ThreadsSetting = "auto"
    data_root: str | None = None
    download: bool = True
    progress: bool = True
    # fit the trivial baselines (majority class, logistic regression) shown beside the model in
    # the report; false saves their fit (about 3 s on MNIST), e.g. for a search's trials
    baselines: bool = True
    logger: LoggerName = "none"
    # adversarial training: {} (off) or AdversarialSettings' keys, e.g.
    # --set adversarial.attack=fgsm --set adversarial.eps=0.25
    adversarial: Annotated[dict[str, Any], AfterValidator(_adversarial)] = Field(
        default_factory=dict
    )

    @field_validator("dataset")
    @classmethod
    def _dataset(cls, v: str) -> str:
        from learnlab.data import dataset_names

        names = dataset_names()
        canonical = v.strip().lower().replace("_", "-")  # 'MNIST', 'fashion_mnist' work too
        return _known(canonical if canonical in names else v, "dataset", names)

    @field_validator("model")
    @classmethod
    def _model(cls, v: str) -> str:
        if ":" in v and v.split(":", 1)[0].endswith(".py"):
            return v  # path/to/file.py:factory, checked when the model is built
        if v.startswith("python:"):  # how a run names a model given as an object
            raise ValueError(
                f"{v!r} names a model given to run_training as a Python object; pass the "
                "object again (run_training(config, model=...)) and leave `model` unset"
            )
        from learnlab.models import model_names

        return _known(v, "model", model_names() + ["path/to/file.py:factory"])

    @field_validator("optimizer")
    @classmethod
    def _optimizer(cls, v: str) -> str:
        from learnlab.train.optimizers import OPTIMIZER_NAMES

        return _known(v, "optimizer", OPTIMIZER_NAMES)

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, v: str) -> str:
        from learnlab.train.schedules import SCHEDULE_NAMES

        return _known(v, "schedule", SCHEDULE_NAMES)

    @field_validator("init")
    @classmethod
    def _init(cls, v: str) -> str:
        from learnlab.train.init import INIT_NAMES

        return _known(v, "init", INIT_NAMES)

    @field_validator("device")
    @classmethod
    def _device(cls, v: str) -> str:
        if v in ("auto", "cpu", "cuda") or v.startswith("cuda:"):
            return v
        raise ValueError(f"unknown device {v!r}; use auto, cpu, cuda or cuda:N")


class DataSettings(StrictModel):
    """Where the data sets are (`data_root`, else $LEARNLAB_DATA, else the cache), whether a
    missing file may be downloaded, and whether to show progress bars: the settings of a recipe
    that loads data but has no single seed (it runs a list of them)."""

    data_root: str | None = None
    download: bool = True
    progress: bool = True
    threads: ThreadsSetting = "auto"
    logger: LoggerName = "none"  # given to the recipe's `learnlab train` runs (RunContext)


class RecipeConfig(StrictModel):
    """What every recipe's config has: the seed of everything it draws, and whether to show
    progress bars. A recipe's config subclasses it (or `DataRecipeConfig`)."""

    seed: int = Field(0, ge=0, lt=2**63)
    progress: bool = True
    threads: ThreadsSetting = "auto"
    logger: LoggerName = "none"  # given to the recipe's `learnlab train` runs (RunContext)


class DataRecipeConfig(RecipeConfig):
    """A recipe that loads data sets: where they are (`data_root`, else $LEARNLAB_DATA, else the
    cache) and whether a missing file may be downloaded."""

    data_root: str | None = None
    download: bool = True


def check_fits_data(config: TrainConfig, input_shape: tuple[int, ...], has_val: bool) -> None:
    """The checks of `config` that need the data set's example shape and whether it will
    have a validation split (`learnlab train` runs them after loading the data; a dry run
    from the data set's known shapes)."""
    from learnlab.models.inputs import check_model_fits

    check_model_fits(config.model, config.dataset, tuple(input_shape), bool(config.model_options))
    if config.augment_translate > 0 and len(input_shape) != 3:
        raise ConfigError(
            f"augment_translate shifts images, but {config.dataset} examples have shape "
            f"{tuple(input_shape)}; set augment_translate=0."
        )
    if config.early_stopping_patience is not None and not has_val:
        raise ConfigError("early_stopping_patience needs a validation split; set val_fraction > 0.")


# -- reading and merging ------------------------------------------------------------------


def validate(model: type[StrictModel], data: dict[str, Any], *, source: str = "config"):
    """Build `model` from `data`, turning pydantic's errors into a short ConfigError."""
    try:
        return model.model_validate(data)
    except InvalidSettings as exc:
        raise ConfigError(format_validation_error(exc.validation_error, model, source)) from None
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, model, source)) from None


def format_validation_error(exc: ValidationError, model: type[StrictModel], source: str) -> str:
    lines = [f"invalid {source}:"]
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        kind: str = err["type"]
        if kind == "extra_forbidden":
            from learnlab.io.errors import closest_name

            fields = list(model.model_fields)
            close = closest_name(err["loc"][-1], fields, KEY_ALIASES)
            guess = f" Did you mean {close!r}?" if close else ""
            lines.append(f"  {key}: unknown key.{guess} Allowed keys: {', '.join(fields)}")
            continue
        message = err["msg"].removeprefix("Value error, ")
        lines.append(f"  {key}: {message} (got {err.get('input')!r})")
    return "\n".join(lines)


def build_config(
    model: type[StrictModel],
    *,
    config_file: str | Path | None = None,
    flags: dict[str, Any] | None = None,
    assignments: list[str] | None = None,
    base: dict[str, Any] | None = None,
):
    """Merge base < config file < flags (None values skipped) < --set, then validate."""
    data: dict[str, Any] = dict(base or {})
    if config_file is not None:
        data.update(read_toml(config_file))
    data.update({k: v for k, v in (flags or {}).items() if v is not None})
    data = apply_assignments(data, assignments or [])
    return validate(model, data)
