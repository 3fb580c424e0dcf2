"""`learnlab train`: train a model on a data set and write a run directory (or, with
--dry-run, check the whole configuration and print it)."""

from __future__ import annotations

import argparse
from pathlib import Path

from learnlab.commands.options import add_dry_run_option, add_logger_option, add_run_options

NAME = "train"
HELP = "train a model on a data set"
DESCRIPTION = """Train a model on a data set and write a run directory.

Your own model: --model path/to/file.py:factory names a function in your file that returns an
nn.Module. learnlab calls it with keyword arguments: the shape of one example, a tuple such as
(1, 28, 28), as `input_shape` (or in_shape, shape, image_shape), the number of outputs as
`num_outputs` (or num_classes, n_classes, classes, num_labels, n_outputs, out_features,
output_size, output_dim), and every other argument as an option, from --set
model_options.NAME=VALUE or its default. It never fills a single input size (in_features,
input_size...): compute it from input_shape, e.g. math.prod(input_shape). Example:

    def build(input_shape, num_classes, hidden=128):
        return nn.Sequential(nn.Flatten(), nn.Linear(math.prod(input_shape), hidden),
                             nn.ReLU(), nn.Linear(hidden, num_classes))

`learnlab describe NAME` shows a model's options, defaults and the data sets it fits."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", help="data set name (learnlab list datasets)")
    parser.add_argument(
        "--model",
        help="model name (learnlab list models) or path/to/file.py:factory, your own function "
        "that takes input_shape and num_outputs (or num_classes...) and returns an nn.Module "
        "(see above)",
    )
    parser.add_argument(
        "--optimizer", help="sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw, lbfgs"
    )
    parser.add_argument("--lr", type=float, help="learning rate")
    parser.add_argument("--epochs", type=int, help="number of passes over the training set")
    parser.add_argument("--batch-size", type=int, help="examples per minibatch")
    parser.add_argument(
        "--resume",
        type=Path,
        metavar="PATH",
        help="continue the run in this run directory (or checkpoint file)",
    )
    add_dry_run_option(parser)
    add_run_options(parser)
    add_logger_option(parser)
    from learnlab.scale.launch import add_launch_options

    add_launch_options(parser)


def run(args: argparse.Namespace) -> int:
    """Train; print the run directory (the last line on stdout). A dry run prints the
    resolved configuration as JSON instead."""
    from learnlab import config as cfg
    from learnlab.pipeline import run_training

    flags = {
        "dataset": args.dataset,
        "model": args.model,
        "optimizer": args.optimizer,
        "lr": args.lr,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "seed": args.seed,
        "threads": args.threads,
        "logger": args.logger,
    }
    base = None
    if args.resume is not None:
        if args.run_dir is not None:
            from learnlab.io.errors import ConfigError

            raise ConfigError("--resume continues a run in its own directory; drop --run-dir.")
        base = config_of_run(args.resume)
    config = cfg.build_config(
        cfg.TrainConfig,
        config_file=args.config,
        flags=flags,
        assignments=args.assignments,
        base=base,
    )
    if args.dry_run:
        from learnlab.commands import dryrun
        from learnlab.runs import choose_run_dir

        if args.resume is None:
            choose_run_dir("dry-run", args.run_dir)  # refuses a --run-dir that holds files
        dryrun.report(config.model_dump(mode="json"), [dryrun.check_train_config(config)])
        return 0
    from learnlab.scale import launch

    plan = launch.plan_from_args(args)  # --nproc N: torchrun starts N of this command
    if plan is not None:
        return launch.launch(plan, worker_argv(args))
    outcome = run_training(config, run_dir=args.run_dir, resume=args.resume)
    from learnlab.scale.distributed import is_leader, leave

    if is_leader():  # one line from a multi-process run
        print(outcome.run_dir)
    leave()
    return 0


def worker_argv(args: argparse.Namespace) -> list[str]:
    """This command's arguments for each process torchrun starts (the launch options left
    out: the processes find theirs in torchrun's environment)."""
    argv = ["train"]
    for flag in ("dataset", "model", "optimizer", "lr", "epochs", "batch_size", "seed"):
        argv += _flag(flag, getattr(args, flag))
    for flag in ("threads", "logger", "resume", "run_dir", "config"):
        argv += _flag(flag, getattr(args, flag))
    for assignment in args.assignments:
        argv += ["--set", assignment]
    return argv


def _flag(name: str, value) -> list[str]:
    return [] if value is None else [f"--{name.replace('_', '-')}", str(value)]


def config_of_run(path: Path) -> dict:
    """The resolved config saved in a run directory or checkpoint (what --resume continues)."""
    from learnlab.io.errors import ConfigError
    from learnlab.runs import CHECKPOINT_FILE
    from learnlab.train.checkpoint import load_state

    ckpt = path / CHECKPOINT_FILE if path.is_dir() else path
    if not ckpt.exists():
        raise ConfigError(
            f"--resume {path}: no checkpoint there ({ckpt} does not exist).\n"
            "Give the run directory of an earlier `learnlab train`."
        )
    config = load_state(ckpt)["extra"]["config"]
    from learnlab.models.given import cannot_rebuild, is_given_model_name

    if is_given_model_name(str(config.get("model", ""))):
        raise ConfigError(
            f"--resume {path}: {cannot_rebuild('this run', config['model'])} The command line "
            "cannot build it; resume from Python with the same model: "
            f"run_training(config, model=..., resume={str(path)!r})."
        )
    return config
