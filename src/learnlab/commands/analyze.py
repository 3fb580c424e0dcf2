"""`learnlab analyze RUN hessian|attack`: the Hessian of a trained run's training loss, or its
test error under an adversarial attack (`learnlab.pipeline.run_analyses`)."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "analyze"
HELP = "a trained run's Hessian spectrum, or its error under an adversarial attack"
DESCRIPTION = """Analyse the trained model of a `learnlab train` run directory.

  hessian  the k largest eigenvalues of the Hessian of the training loss (Lanczos with full
           reorthogonalisation), its trace (Hutchinson, with its standard error) and its
           index (the fraction of negative eigenvalues), over the first --examples
           training examples
  attack   the test error and the confidence of the mistakes under FGSM or PGD (L-inf, in
           pixel units on the [0, 1] scale) at each --eps, on the first --examples test images

examples:
  learnlab analyze runs/20261206-mnist-lenet5 hessian --k 3 --examples 500
  learnlab analyze runs/20261206-mnist-lenet5 attack --method fgsm --eps 0.05 0.1 0.25
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", type=Path, metavar="RUN", help="a learnlab train run directory")
    analyses = parser.add_subparsers(dest="analysis", metavar="ANALYSIS", required=True)
    hessian = analyses.add_parser("hessian", help="top eigenvalues, trace and index")
    hessian.add_argument("--k", type=int, default=3, help="how many eigenvalues (default 3)")
    hessian.add_argument("--examples", type=int, default=500, help="training examples")
    hessian.add_argument("--samples", type=int, default=20, help="Hutchinson vectors")
    hessian.add_argument(
        "--index-runs", type=int, default=3, help="quadratures for the index of a large model"
    )
    hessian.add_argument("--seed", type=int, default=0)
    _add_common(hessian)
    attack = analyses.add_parser("attack", help="test error under FGSM or PGD")
    attack.add_argument("--method", default="fgsm", help="fgsm (default) or pgd")
    attack.add_argument("--eps", type=float, nargs="+", default=[0.1], help="budgets")
    attack.add_argument("--examples", type=int, default=1000, help="test images")
    attack.add_argument("--steps", type=int, default=40, help="PGD steps")
    attack.add_argument("--step-size", type=float, default=0.01, help="PGD step size")
    attack.add_argument("--seed", type=int, default=0, help="PGD's random start")
    _add_common(attack)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.add_argument("--data-root", help="where the run's data set is, if not where it was")


def run(args: argparse.Namespace) -> int:
    import json

    from learnlab.io.errors import ConfigError
    from learnlab.pipeline.run_analyses import attack_run, hessian_of_run
    from learnlab.pipeline.trained_run import load_trained_run

    if args.analysis == "hessian" and args.index_runs < 2:
        raise ConfigError(
            f"--index-runs {args.index_runs}: give 2 or more (the index's standard error is "
            "taken over the quadratures)."
        )
    trained = load_trained_run(args.run_dir, data_root=args.data_root)
    if args.analysis == "hessian":
        numbers = hessian_of_run(
            trained,
            k=args.k,
            examples=args.examples,
            samples=args.samples,
            index_runs=args.index_runs,
            seed=args.seed,
        )
    else:
        numbers = attack_run(
            trained,
            method=args.method,
            eps=args.eps,
            examples=args.examples,
            steps=args.steps,
            step_size=args.step_size,
            seed=args.seed,
        )
    if args.json:
        print(json.dumps(numbers, indent=2))
    else:
        _print(args.analysis, numbers)
    return 0


def _print(analysis: str, numbers: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    if analysis == "hessian":
        table = Table(
            "quantity",
            "value",
            title=f"Hessian of the training loss "
            f"({numbers['examples']:,} examples, {numbers['parameters']:,} parameters)",
        )
        table.add_row("loss", f"{numbers['loss']:.4g}")
        table.add_row("top eigenvalues", ", ".join(f"{v:.4g}" for v in numbers["top_eigenvalues"]))
        table.add_row("trace", f"{numbers['trace']:.4g} ± {numbers['trace_standard_error']:.2g}")
        table.add_row(
            "index (fraction negative)",
            f"{numbers['index']:.4f} ± {numbers['index_standard_error']:.2g} "
            f"({numbers['index_method']})",
        )
    else:
        table = Table(
            "eps",
            "test error",
            "confidence of mistakes",
            title=f"{numbers['method']} on {numbers['examples']:,} test images",
        )
        for row in numbers["eps"]:
            table.add_row(
                f"{row['eps']:g}",
                f"{100 * row['error']:.2f}%",
                f"{100 * row['confidence_of_mistakes']:.1f}%",
            )
    Console().print(table)
