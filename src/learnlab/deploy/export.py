"""Export a trained model to a file (ONNX, TorchScript or an ExportedProgram) and prove the file
computes what the model computes before it is put in place.

`export_model(model, inputs, "onnx", path)` writes the file under a temporary name in the
destination's folder, runs it again (onnxruntime for ONNX, torch.jit.load, torch.export.load)
on `inputs` in one batch and on the first input alone (so a batch dimension the exporter froze
is caught), compares with the eager model's outputs, and only when the largest absolute
difference is within `tolerance` renames the file into place. Otherwise the temporary file is
removed and nothing is left at `path` (a previous file there stays as it was).

    >>> report = export_model(model, test_x[:1000], "onnx", Path("m.onnx"))  # doctest: +SKIP
    >>> report.max_abs_difference  # doctest: +SKIP
    2.4e-07
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from torch import Tensor, nn

from learnlab.deploy.export_formats import FORMATS, ExportFormat, as_tensors, quiet_exporters
from learnlab.io.atomic import fsync_dir
from learnlab.io.errors import ConfigError, LearnlabError, unknown_name

DEFAULT_TOLERANCE = 1e-5


class ExportMismatch(LearnlabError):
    """The exported file's outputs differ from the model's by more than the tolerance (or it
    fails to run): a failure at run time, so exit 1; the file is not written."""

    exit_code = 1


@dataclass(frozen=True)
class ExportReport:
    path: Path
    format: str
    examples: int  # inputs compared (in one batch, and the first alone)
    max_abs_difference: float
    tolerance: float
    seconds: float  # writing and checking


def get_format(name: str) -> ExportFormat:
    if name not in FORMATS:
        raise unknown_name("export format", name, FORMATS)
    return FORMATS[name]


def check_tolerance(tolerance: float) -> float:
    if not (math.isfinite(tolerance) and tolerance >= 0):
        raise ConfigError(
            f"--tolerance {tolerance}: give a finite number >= 0 (the largest absolute "
            f"difference allowed between the file's outputs and the model's; default "
            f"{DEFAULT_TOLERANCE:g})."
        )
    return float(tolerance)


def check_destination(path: Path) -> None:
    """Refuse now, before the (slow) export, a destination that cannot be written: a folder, or
    a place where its folder cannot be created or holds no new files."""
    if path.is_dir():
        raise ConfigError(f"--output {path} is a folder; give the path of the file to write.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path.parent):
            pass
    except OSError as exc:
        raise ConfigError(
            f"--output {path}: cannot write there ({exc.strerror or exc}).\n"
            "Give a path in a folder you can write to."
        ) from exc


def export_model(
    model: nn.Module,
    inputs: Tensor,
    fmt: str,
    path: str | Path,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
) -> ExportReport:
    """Write `model` (put in eval mode) as `fmt` to `path`, checked on `inputs` (a batch of
    examples as the model takes them, already normalised); see the module docstring."""
    spec, path = get_format(fmt), Path(path)
    tolerance = check_tolerance(tolerance)
    if len(inputs) == 0:
        raise ConfigError("export needs at least one input example to check the file against.")
    check_destination(path)
    model.eval()
    started = time.perf_counter()
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    temp = Path(temp_name)
    try:
        _write(spec, model, _trace_example(inputs), temp)
        difference = _max_abs_difference(model, spec, temp, inputs)
        if not difference <= tolerance:
            raise ExportMismatch(
                f"the {spec.name} file's outputs differ from the model's by {difference:.3g} "
                f"(largest absolute difference over {len(inputs)} examples), more than the "
                f"tolerance {tolerance:g}; nothing was written to {path}.\n"
                "Try another --format, or a larger --tolerance if the difference is rounding."
            )
        os.chmod(temp, 0o644)
        os.replace(temp, path)
        fsync_dir(path.parent)
    finally:
        temp.unlink(missing_ok=True)
    seconds = time.perf_counter() - started
    return ExportReport(path, spec.name, len(inputs), difference, tolerance, seconds)


def _trace_example(inputs: Tensor) -> Tensor:
    # two examples: the exporters treat a batch of 1 as a constant, never as a dynamic size
    import torch

    return inputs[:2] if len(inputs) >= 2 else torch.cat([inputs[:1], inputs[:1]])


def _write(spec: ExportFormat, model: nn.Module, example: Tensor, temp: Path) -> None:
    try:
        with quiet_exporters():
            spec.write(model, example, temp)
    except LearnlabError:
        raise
    except Exception as exc:  # each exporter raises its own types for what it cannot capture
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        others = ", ".join(name for name in FORMATS if name != spec.name)
        raise ConfigError(
            f"{type(model).__name__} cannot be exported to {spec.name}: "
            f"{type(exc).__name__}: {reason[:300]}\nTry --format {others}."
        ) from exc


def _max_abs_difference(model: nn.Module, spec: ExportFormat, file: Path, inputs: Tensor) -> float:
    """The largest |file - model| over the outputs on `inputs` in one batch and on the first
    input alone; inf when the file fails to run or its outputs have other shapes."""
    import torch

    with quiet_exporters():
        runner = spec.load(file)
    largest = 0.0
    for batch in (inputs, inputs[:1]):
        with torch.no_grad():
            expected = as_tensors(model(batch))
        try:
            with quiet_exporters():
                got = runner(batch)
        except Exception as exc:  # a frozen batch size fails here, in the runtime's own types
            raise ExportMismatch(
                f"the {spec.name} file fails to run on a batch of {len(batch)}: "
                f"{type(exc).__name__}: {str(exc).strip()[:300]}\nTry another --format."
            ) from exc
        if [t.shape for t in got] != [t.shape for t in expected]:
            return math.inf
        for e, g in zip(expected, got, strict=True):
            difference = float((e.float() - g.float()).abs().max())
            largest = math.inf if math.isnan(difference) else max(largest, difference)
    return largest
