"""The end-to-end supervised pipeline behind `learnlab train` (and the quickstart recipe):

data -> normalise and split -> model -> objective -> optimizer and schedule -> Trainer with
callbacks -> test metrics and confusion matrix -> run directory (weights, checkpoint, metrics,
summary, HTML report) -> run index.

A fresh run and a resumed one build everything in the same order from the same seed; the
checkpoint then overwrites weights, optimizer, schedule, loader position and RNG states, so a
run resumed after SIGKILL ends bit-identical to one that was never interrupted.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from learnlab import runs
from learnlab.config import TrainConfig, check_fits_data
from learnlab.data.dataset import Dataset, Split
from learnlab.io.disk import check_writable, disk_errors
from learnlab.io.errors import LearnlabError, ResourceError

if TYPE_CHECKING:
    from learnlab.report.publish import Published
    from learnlab.result import Result


@dataclass
class PreparedData:
    dataset: Dataset
    train: Split
    val: Split | None
    test: Split


def prepare_data(config: TrainConfig) -> PreparedData:
    """Load the data set, normalise inputs to float32, hold out a seeded validation split."""
    from learnlab.data import load_dataset, normalize

    ds = load_dataset(config.dataset, root=config.data_root, download=config.download)

    def convert(split: Split) -> Split:
        x = normalize(split.x, scale=ds.scale, mean=ds.mean, std=ds.std)
        return Split(x, split.y)

    train, test = convert(ds.train), convert(ds.test)
    val = convert(ds.val) if ds.val is not None else None
    if val is None and config.val_fraction > 0:
        # its own generator: the split depends on the seed only, not on what ran before
        order = torch.randperm(len(train), generator=torch.Generator().manual_seed(config.seed))
        n_val = max(1, round(config.val_fraction * len(train)))
        val = Split(train.x[order[:n_val]], train.y[order[:n_val]])
        train = Split(train.x[order[n_val:]], train.y[order[n_val:]])
    if config.limit_train is not None:
        train = Split(train.x[: config.limit_train], train.y[: config.limit_train])
    return PreparedData(ds, train, val, test)


def _loaders(config: TrainConfig, data: PreparedData, device: torch.device):
    from learnlab.data import TensorLoader, random_translate
    from learnlab.scale import distributed as ddp

    transform = None
    if config.augment_translate > 0:  # images only: checked by check_fits_data
        background = (0.0 - data.dataset.mean) / data.dataset.std
        transform = random_translate(config.augment_translate, fill=background)
    train = TensorLoader(
        data.train.x,
        data.train.y,
        batch_size=config.batch_size,
        shuffle=True,
        seed=config.seed,
        device=device,
        transform=transform,
        rank=ddp.rank(),
        world_size=ddp.world_size(),
    )

    def fixed(split: Split | None):
        if split is None:
            return None
        x, y = ddp.shard_rows(split.x), ddp.shard_rows(split.y)  # each rank its rows
        return TensorLoader(x, y, batch_size=config.eval_batch_size, shuffle=False, device=device)

    return train, fixed(data.val), fixed(data.test)


def run_training(
    config: TrainConfig,
    *,
    model: torch.nn.Module | Callable[..., torch.nn.Module] | None = None,
    run_dir: str | Path | None = None,
    resume: str | Path | None = None,
    console=None,
    title: str | None = None,
    notes: list[str] | None = None,
    extra_callbacks: list | None = None,
    index: bool = True,
    report: bool = True,
) -> Published:
    """`learnlab train`: train as `config` says, publish the run directory, return it
    (`Published`: `.model` the trained model in eval mode, `.summary`, `.run_dir`...).

    `model` replaces the config's registry name with your own: an `nn.Module` (trained in
    place), or a class or function that returns one (called like a registered factory, with
    the data set's `input_shape` and `num_outputs` and `config.model_options`, after seeding).
    The run records it as `python:<module>.<class>`; resume such a run from Python, passing
    the same model again (`run_training(config, model=..., resume=run_dir)`).

    `resume` is a run directory (or its checkpoint file) to continue. `extra_callbacks` join
    the built-in ones (e.g. a search's pruning callback; a CancelFit from one ends training,
    and the run is finished and reported as far as it got). `index=False` keeps the run out of
    the run index (a search's trials, say); `report=False` skips drawing report.html (seconds
    of figures), which `learnlab report RUN` can draw later from the run's files.
    """
    from rich.console import Console

    from learnlab.pipeline.given_model import config_naming, model_label
    from learnlab.report.publish import Published, publish
    from learnlab.runs.claim import claim_new_run_dir, claim_run_dir
    from learnlab.runs.interruption import RunInterrupted, interruption, on_interrupt
    from learnlab.scale import distributed as ddp

    ddp.join()  # a no-op unless torchrun started this process as one of several
    console = console or Console(stderr=True, quiet=not ddp.is_leader())
    if model is not None:
        config = config_naming(config, model)
    if resume is not None:
        resume = Path(resume)
        run_path = resume.parent if resume.is_file() else resume
        claim = claim_run_dir(run_path, fresh=False) if ddp.is_leader() else None
    else:
        # one writer per run directory: a second `train` here exits 2 naming this one (the
        # directory is removed again if the run ends before writing into it); in a
        # multi-process run rank 0 claims it and sends its path to the others
        name = f"{config.dataset}-{model_label(config.model)}"
        claim = claim_new_run_dir(name, run_dir) if ddp.is_leader() else None
        run_path = ddp.leader_value(lambda: claim.run_dir)

    def interrupted():  # Ctrl-C: `learnlab train --resume RUN_DIR` once a checkpoint exists
        resumable = (run_path / runs.CHECKPOINT_FILE).is_file()
        if resumable and model is not None:  # no command line can rebuild the user's object
            return RunInterrupted(
                f"interrupted; continue from Python with the same model:\n"
                f"  run_training(config, model=..., resume={str(run_path)!r})",
                None,
                run_path,
            )
        return interruption(run_path, ["learnlab", "train"], resumable=resumable)

    # the claim is released however the run ends
    with claim or contextlib.nullcontext(), on_interrupt(interrupted):
        result = train_model(
            config,
            run_path,
            model=model,
            resume=resume is not None,
            console=console,
            title=title,
            notes=notes,
            extra_callbacks=extra_callbacks,
        )
        if not ddp.is_leader():  # rank 0 writes the run directory; the others nothing
            return Published(run_path, result)
        return publish(result, run_path, index=index, report=report, console=console)


def train_model(
    config: TrainConfig,
    run_path: Path,
    *,
    model: torch.nn.Module | Callable[..., torch.nn.Module] | None = None,
    resume: bool = False,
    console=None,
    title: str | None = None,
    notes: list[str] | None = None,
    extra_callbacks: list | None = None,
    write_config: bool = True,
) -> Result:
    """Train in `run_path` (checkpoints and metrics.jsonl are written there as training goes;
    with `resume`, continue from its checkpoint) and return the unpublished Result: test
    metrics, weights, test outputs, history. `learnlab.report.publish` writes the rest.
    `write_config=False` leaves config.json to the caller (a recipe training in its own run
    directory keeps its own config there, which `--resume` reads). `model`: as run_training's,
    with `config.model` naming it already."""
    from rich.console import Console

    from learnlab.machine import sample_cpu
    from learnlab.objectives.adversarial import with_adversarial_training
    from learnlab.objectives.supervised import objective_for_task
    from learnlab.pipeline.build import build_training_parts
    from learnlab.pipeline.given_model import build_given_model
    from learnlab.pipeline.threads import choose_run_threads
    from learnlab.pipeline.train_callbacks import train_callbacks
    from learnlab.scale import distributed as ddp
    from learnlab.train.callbacks.scalar_log import log_test_metrics
    from learnlab.train.checkpoint import load_state
    from learnlab.train.seeding import seed_everything, select_device, torch_threads
    from learnlab.train.trainer import Trainer

    leader = ddp.is_leader()  # in a multi-process run, rank 0 alone writes
    console = console or Console(stderr=True, quiet=not leader)
    started = sample_cpu()  # the idle cores are measured while the data loads
    run_path = Path(run_path)
    checkpoint_state = load_state(run_path / runs.CHECKPOINT_FILE) if resume else None
    if leader:
        check_writable(run_path)  # a read-only or unwritable folder fails now, not after loading

    device = ddp.local_device(select_device(config.device))
    seed_everything(config.seed)
    data = prepare_data(config)
    check_fits_data(config, data.dataset.input_shape, data.val is not None)
    objective = with_adversarial_training(  # the task's objective itself unless asked
        objective_for_task(data.dataset.task),
        config.adversarial,
        mean=data.dataset.mean,
        std=data.dataset.std,
    )
    train_loader, val_loader, test_loader = _loaders(config, data, device)
    shape, outputs = data.dataset.input_shape, data.dataset.num_outputs
    given = build_given_model(model, config, shape, outputs) if model is not None else None
    parts = build_training_parts(
        config,
        data.dataset.input_shape,
        data.dataset.num_outputs,
        steps_per_epoch=len(train_loader),
        device=device,
        extra_parameters=[p for m in objective.extra_modules() for p in m.parameters()],
        model=given,
    )
    threads = choose_run_threads(
        config, started, checkpoint_state, parts, objective, data.train, data.dataset
    )
    if leader:
        with disk_errors(run_path, "creating"):
            run_path.mkdir(parents=True, exist_ok=True)
    callbacks = train_callbacks(config, run_path, console, threads, leader)
    callbacks += list(extra_callbacks or [])
    if ddp.world_size() > 1:  # DDP: the model's gradients all-reduced, exactly weighted
        objective = ddp.data_parallel(parts.model, objective, train_loader)
    trainer = Trainer(
        parts.model, objective, parts.optimizer, schedule=parts.schedule, callbacks=callbacks
    )
    trainer.sum_across_ranks = ddp.sum_across_ranks if ddp.world_size() > 1 else None
    if checkpoint_state is not None:
        trainer.load_state_dict(checkpoint_state["trainer"], train_loader=train_loader)
        if _trained(trainer, config):  # stopped while testing or writing its files
            console.print(f"resuming {run_path}: trained; testing and writing its files")
        else:
            console.print(
                f"resuming {run_path} at epoch {trainer.epoch + 1}, batch {trainer.batch_in_epoch}"
            )
    if write_config and leader:
        runs.write_json(run_path / runs.CONFIG_FILE, config.model_dump())
    console.print(
        f"[bold]{title or 'train'}[/]: {config.model} on {config.dataset} "
        f"({len(data.train)} training examples, "
        f"{sum(p.numel() for p in parts.model.parameters()):,} parameters, {device})"
    )
    console.print(threads.line())
    with torch_threads(threads.threads), ddp.collective_errors():  # torch's setting restored
        _fit(trainer, train_loader, val_loader, config.epochs, run_path, leader)
        result = _result(config, data, trainer, test_loader, title, notes, leader)
    result.summary.update(threads.summary(), processes=ddp.world_size())
    if leader:
        log_test_metrics(trainer, result.summary)  # to the run's TensorBoard or MLflow, if any
    return result


def _trained(trainer, config: TrainConfig) -> bool:
    """Whether a resumed trainer has finished training (all epochs, or stopped early)."""
    from learnlab.train.callbacks import EarlyStopping

    early = trainer.callback(EarlyStopping)
    return trainer.epoch >= config.epochs or bool(early and early.stopped_epoch)


def _fit(trainer, train_loader, val_loader, epochs: int, run_path: Path, leader: bool) -> None:
    """trainer.fit; a failure leaves summary.json saying so and where the last checkpoint is."""
    try:
        trainer.fit(train_loader, epochs, val_loader)
    except LearnlabError as exc:
        # on a full disk this small file may not fit either: the first error is the one to show
        with contextlib.suppress(ResourceError):
            if leader:
                runs.write_json(
                    run_path / runs.SUMMARY_FILE, {"status": "failed", "error": str(exc)}
                )
        where = (
            f"The last good checkpoint is in {run_path}."
            if (run_path / runs.CHECKPOINT_FILE).exists()
            else f"It stopped before its first checkpoint; {run_path} holds its config."
        )
        raise type(exc)(f"{exc}\n{where}") from None


def _result(config, data, trainer, test_loader, title, notes, leader=True) -> Result:
    """Evaluate on the test split and gather the run's Result."""
    from learnlab.formatting import format_metric
    from learnlab.pipeline.evaluation import test_split_outputs
    from learnlab.result import Result, SavedModel
    from learnlab.scale import distributed as ddp
    from learnlab.train.callbacks import EarlyStopping, LossCurve

    model, ds = trainer.model, data.dataset
    test = {f"test_{k}": v for k, v in trainer.evaluate(test_loader).items()}
    last = trainer.history[-1] if trainer.history else {}
    early = trainer.callback(EarlyStopping)
    summary: dict[str, Any] = {
        "status": "stopped early" if early and early.stopped_epoch else "completed",
        "dataset": config.dataset,
        "model": config.model,
        "epochs_completed": trainer.epoch,
        **test,
        **{k: v for k, v in last.items() if k.startswith(("train_", "val_"))},
        "train_seconds": trainer.train_seconds,
        "parameters": sum(p.numel() for p in model.parameters()),
        "seed": config.seed,
    }
    scalars, outputs = {}, {}
    if leader:  # all of the test split's outputs, which rank 0 alone writes
        whole = ddp.whole_split(test_loader, data.test.x, data.test.y)
        scalars, outputs = test_split_outputs(config, data, model, whole)
    summary.update(scalars)
    model.eval()  # trained: handed back ready for inference (Published.model)
    curve = trainer.callback(LossCurve)
    outputs[runs.STEP_LOSSES_KEY] = torch.tensor(curve.losses if curve else [], dtype=torch.float32)
    shown = {k: v for k, v in summary.items() if k.startswith("test_")}
    headline = "  ".join(f"{k} {format_metric(k, v)}" for k, v in shown.items())
    info = {
        "model": config.model,
        "options": config.model_options,
        "input_shape": list(ds.input_shape),
        "num_outputs": ds.num_outputs,
        "dataset": config.dataset,
        "task": ds.task,
        "class_names": ds.class_names,
        "scale": ds.scale,
        "mean": ds.mean,
        "std": ds.std,
    }
    return Result(
        kind=title or "train",
        title=title or f"{config.model} on {config.dataset}",
        summary=summary,
        notes=list(notes or []),
        history=list(trainer.history),
        config=config.model_dump(),
        models={"model": SavedModel(model, info)},
        outputs=outputs,
        outputs_info={"steps_per_epoch": len(trainer.train_loader)},
        index={
            "dataset": config.dataset,
            "model": config.model,
            **{k: summary[k] for k in ("test_accuracy", "test_loss") if k in summary},
        },
        headline=headline + f"  train_seconds {trainer.train_seconds:.1f}",
    )
