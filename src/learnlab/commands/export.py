"""`learnlab export RUN --format onnx|torchscript|exported-program`: write a run's trained model
as a deployable file, checked against PyTorch on the run's test examples
(`learnlab.deploy.export`)."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "export"
HELP = "write a trained model as ONNX, TorchScript or an ExportedProgram, checked against PyTorch"
DESCRIPTION = """Export the trained model of a finished run to a file that runs without learnlab
(dynamic batch size), and check it before reporting success: the file is run again
(onnxruntime for ONNX, torch.jit.load, torch.export.load) on the first --examples test examples
of the run's data set, normalised as in training, and its outputs are compared with the
PyTorch model's. The largest absolute difference is printed; over --tolerance the command
fails (exit 1) and writes nothing. The file is written atomically: by default beside the
weights in the run directory (model.onnx, model.torchscript.pt or model.pt2; for another
saved model NAME, NAME.onnx ...), or at --output. Its inputs are normalised as in training:
(x / scale - mean) / std with the numbers printed. RUN is a run directory or a prefix of a
run's name in the run index.

examples:
  learnlab export runs/20261206-mnist-lenet5 --format onnx
  learnlab export runs/20261206-mnist-lenet5 --format exported-program --output lenet5.pt2
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_ref", metavar="RUN", help="run directory, or a prefix of its name")
    parser.add_argument(
        "--format", default="onnx", help="onnx (default), torchscript or exported-program"
    )
    parser.add_argument("--output", type=Path, help="the file to write (default: in the run)")
    parser.add_argument("--model", help="which saved model, in a run that holds several")
    parser.add_argument("--examples", type=int, default=1000, help="test examples to check on")
    parser.add_argument(
        "--tolerance", type=float, default=1e-5, help="largest |file - PyTorch| allowed"
    )
    parser.add_argument("--data-root", help="where the run's data set is, if not where it was")


def run(args: argparse.Namespace) -> int:
    from learnlab.deploy.export import check_tolerance, export_model, get_format
    from learnlab.deploy.export_source import check_inputs, choose_model
    from learnlab.io.weights import read_model_info
    from learnlab.models.saved import load_model
    from learnlab.runs import read_index
    from learnlab.runs.query import resolve_run

    spec = get_format(args.format)  # bad input is refused before anything is loaded
    check_tolerance(args.tolerance)
    run_dir = resolve_run(args.run_ref, read_index())
    _require_run(run_dir)
    weights = choose_model(run_dir, args.model)
    info = read_model_info(weights)
    inputs = check_inputs(info, examples=args.examples, data_root=args.data_root)
    output = args.output or weights.with_name(weights.stem + spec.suffix)
    report = export_model(load_model(weights), inputs, spec.name, output, tolerance=args.tolerance)
    _print_report(report, info)
    print(report.path)
    return 0


def _require_run(run_dir: Path) -> None:
    from learnlab.io.errors import ConfigError
    from learnlab.runs.directory import CHECKPOINT_FILE, CONFIG_FILE, SUMMARY_FILE
    from learnlab.runs.result_files import RESULT_FILE

    markers = (CONFIG_FILE, SUMMARY_FILE, RESULT_FILE, CHECKPOINT_FILE, "model.safetensors")
    if not any((run_dir / name).exists() for name in markers):
        raise ConfigError(
            f"{run_dir} is not a run directory (it has none of {', '.join(markers)}).\n"
            "Give the directory of a finished run; `learnlab runs` lists them."
        )


def _print_report(report, info: dict) -> None:
    import sys

    scale, mean, std = (info.get(k, d) for k, d in (("scale", 1), ("mean", 0), ("std", 1)))
    print(
        f"exported {info.get('model')} to {report.format}: {report.path}\n"
        f"checked on {report.examples} test examples of {info.get('dataset')}: largest "
        f"|file - PyTorch| = {report.max_abs_difference:.3g} (tolerance "
        f"{report.tolerance:g}), {report.seconds:.1f} s\n"
        f"inputs: (x / {scale:g} - {mean:g}) / {std:g}, any batch size, shape "
        f"(batch, {', '.join(str(s) for s in info.get('input_shape', []))})",
        file=sys.stderr,
    )
