"""`learnlab doctor`: run the model doctor's checks on a model and data set.

Builds the data and the model exactly as `learnlab train` would with the same flags (same
config validation, same seed, so the same initial weights), optionally loads trained weights
(then overfit and lr-range, which are about training from scratch, still start from the
weights as built), runs the checks (learnlab.doctor) with one line per check on
stderr, and writes doctor.html and doctor.json into a run directory, whose path is the last
line on stdout.
Exit code 1 when any check failed, 0 when all passed (warnings included), 2 for bad input.
A doctor run trains nothing, so it is not recorded in the run index.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from learnlab.commands.options import add_run_options

NAME = "doctor"
HELP = "check a model and data set for the usual reasons training fails"
DESCRIPTION = """Run the model doctor on a model and a data set:

  data            class balance, NaN/inf, input scale, test examples duplicated in train
  gradients       backprop against float64 central finite differences, per parameter tensor
  activations     per-layer statistics: dead ReLUs, saturated units, vanishing gradients
  overfit         can the model reach 100% training accuracy on 32 examples?
  lr-range        learning-rate range test (Smith 2017); flags a configured lr that explodes
  worst-examples  the held-out examples with the largest loss

Writes doctor.html and doctor.json into a run directory. Exit code 1 when a check fails.

examples:
  learnlab doctor --model lenet5 --dataset mnist
  learnlab doctor --model mlp --dataset digits --set optimizer=sgd --lr 50
  learnlab doctor --model my_net.py:build --dataset mnist --checks gradients,overfit
  learnlab doctor --model lenet5 --dataset mnist --weights runs/20261123-120000-mnist-lenet5
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="model name (learnlab list models) or path/file.py:factory")
    parser.add_argument("--dataset", help="data set name (learnlab list datasets)")
    parser.add_argument("--lr", type=float, help="the learning rate to check (default: train's)")
    parser.add_argument("--optimizer", help="the optimizer of the lr check (default: train's)")
    parser.add_argument(
        "--checks",
        metavar="A,B,...",
        help="checks to run, comma-separated (default all): data, gradients, activations, "
        "overfit, lr-range, worst-examples",
    )
    parser.add_argument(
        "--weights",
        type=Path,
        metavar="PATH",
        help="load trained weights first: a run directory or its model.safetensors",
    )
    add_run_options(parser)


def run(args: argparse.Namespace) -> int:
    import copy

    from rich.console import Console

    from learnlab import config as cfg
    from learnlab import runs
    from learnlab.doctor import diagnose, parse_checks, print_report, write_doctor_report
    from learnlab.doctor.report import console_line
    from learnlab.machine import sample_cpu
    from learnlab.pipeline import prepare_data
    from learnlab.pipeline.build import build_model_for
    from learnlab.train.seeding import seed_everything, select_device, torch_threads
    from learnlab.train.threads import choose_threads_here

    flags = {
        "dataset": args.dataset,
        "model": args.model,
        "lr": args.lr,
        "optimizer": args.optimizer,
        "seed": args.seed,
        "threads": args.threads,
    }
    config = cfg.build_config(
        cfg.TrainConfig, config_file=args.config, flags=flags, assignments=args.assignments
    )
    checks = parse_checks(args.checks)
    run_path = runs.choose_run_dir(
        f"doctor-{config.dataset}-{Path(config.model).stem}", args.run_dir
    )
    console = Console(stderr=True, soft_wrap=True)
    device = select_device(config.device)
    started = sample_cpu()  # the idle cores are measured while the data loads
    seed_everything(config.seed)
    data = prepare_data(config)
    ds = data.dataset
    model = build_model_for(config, ds.input_shape, ds.num_outputs).to(device)
    initial = None
    if args.weights is not None:
        # training from scratch (overfit, lr-range) is checked from the weights as built
        initial = copy.deepcopy(model)
        load_weights(model, args.weights)
    console.print(
        f"[bold]doctor[/]: {config.model} on {config.dataset} ({len(data.train):,} training "
        f"examples, {sum(p.numel() for p in model.parameters()):,} parameters, {device}; "
        f"{'trained weights from ' + str(args.weights) if args.weights else 'as built'})"
    )
    threads = choose_threads_here(config.threads, since=started)
    console.print(threads.line())
    status = console.status("doctor")
    status.start()
    try:
        with torch_threads(threads.threads):
            report = diagnose(
                model,
                data.train,
                data.test,
                lr=config.lr,
                optimizer=config.optimizer,
                optimizer_kwargs={
                    "momentum": config.momentum,
                    "weight_decay": config.weight_decay,
                    "options": config.optimizer_options,
                },
                checks=checks,
                seed=config.seed,
                class_names=data.dataset.class_names,
                trained=args.weights is not None,
                initial_model=initial,
                on_start=lambda name: status.update(f"doctor: {name} ..."),
                on_result=lambda result: console.print(console_line(result)),
            )
    finally:
        status.stop()
    print_report(console, report, lines=False)
    context = {
        "model": config.model,
        "model_options": config.model_options,
        "dataset": config.dataset,
        "optimizer": config.optimizer,
        "lr": config.lr,
        "seed": config.seed,
        "weights": str(args.weights) if args.weights else "as built",
        "checks": checks,
    }
    html_path, _ = write_doctor_report(
        report,
        run_path,
        title=f"Model doctor: {config.model} on {config.dataset}",
        notes=[f"{len(data.train):,} training and {len(data.test):,} held-out examples."]
        + (
            [
                f"Weights from {args.weights}; overfit and lr-range train from the weights as "
                "built (what `learnlab train` would start from)."
            ]
            if args.weights
            else []
        ),
        context=context,
    )
    console.print(f"report: {html_path}")
    print(run_path)
    return report.exit_code


def load_weights(model, path: Path) -> None:
    """Load a run's model.safetensors (or the file itself) into `model`; shapes must match."""
    from learnlab.io.errors import ConfigError
    from learnlab.io.safe_load import read_safetensors
    from learnlab.runs import MODEL_FILE

    file = path / MODEL_FILE if path.is_dir() else path
    if not file.is_file():
        raise ConfigError(
            f"--weights {path}: no {MODEL_FILE} there.\n"
            "Give the run directory of a finished `learnlab train`, or its model.safetensors."
        )
    # a pickle is refused before any parsing; a damaged file gets a DataError
    weights, _ = read_safetensors(file, what="--weights")
    try:
        model.load_state_dict(weights, strict=True)
    except RuntimeError as exc:
        raise ConfigError(
            f"--weights {file} does not fit this model: {str(exc).splitlines()[0]}\n"
            "Use the --model and --set model_options.* of the run that made the weights."
        ) from None
