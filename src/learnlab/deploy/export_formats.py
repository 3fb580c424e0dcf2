"""The three file formats a trained model is exported to, each with how to write it and how
to run the written file again (to check it against the eager model):

    onnx              model.onnx              torch.onnx.export (the torch.export-based
                                              exporter), run in onnxruntime
    torchscript       model.torchscript.pt    torch.jit.trace, run by torch.jit.load
    exported-program  model.pt2               torch.export.export + torch.export.save, run by
                                              torch.export.load(...).module()

Every format keeps the batch dimension dynamic: the file takes any batch size, not only the
one of the example it was traced with. torch and onnxruntime are imported inside the
functions, so that naming the formats costs nothing.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from torch import Tensor, nn

Runner = Callable[[Tensor], list[Tensor]]


@dataclass(frozen=True)
class ExportFormat:
    name: str
    suffix: str  # the file's name is the model file's stem + this: model.onnx
    write: Callable[[nn.Module, Tensor, Path], None]
    load: Callable[[Path], Runner]
    what: str  # one line for --help and messages


@contextlib.contextmanager
def quiet_exporters() -> Iterator[None]:
    """Keep the exporters' chatter (torchvision not installed, deprecations of torch.jit, the
    ONNX exporter's progress lines) out of the command's output; errors still propagate."""
    names = ("torch.onnx", "torch.export", "torch._export", "torch._dynamo", "torch.fx")
    names += ("onnxscript",)
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    try:
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def as_tensors(output: object) -> list[Tensor]:
    """A model's output as a flat list of tensors (a tensor, or a tuple or list of them)."""
    import torch

    if isinstance(output, torch.Tensor):
        return [output]
    if isinstance(output, list | tuple):
        return [t for item in output for t in as_tensors(item)]
    raise TypeError(f"the model returned a {type(output).__name__}, not tensors")


def _batch_dim():
    import torch

    return torch.export.Dim("batch", min=1)


def require_onnx() -> None:
    """A clear error, before any export, when the ONNX packages are not installed."""
    import importlib.util

    from learnlab.io.errors import ConfigError

    missing = [m for m in ("onnx", "onnxscript", "onnxruntime") if not importlib.util.find_spec(m)]
    if missing:
        raise ConfigError(
            f"--format onnx needs {', '.join(missing)}, not installed here.\n"
            "Install them with `pip install 'learnlab[export]'`, or choose --format "
            "torchscript or exported-program (they need only torch)."
        )


def _write_onnx(model: nn.Module, example: Tensor, path: Path) -> None:
    import torch

    require_onnx()

    # the weights inside the file (external_data=False): one file to move, and the temporary
    # name it is written under does not leave a .data file behind under another name
    torch.onnx.export(
        model,
        (example,),
        str(path),
        dynamo=True,
        dynamic_shapes=({0: _batch_dim()},),
        input_names=["input"],
        external_data=False,
        verbose=False,
    )


def _load_onnx(path: Path) -> Runner:
    import onnxruntime
    import torch

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name

    def run(x: Tensor) -> list[Tensor]:
        outputs = session.run(None, {input_name: x.detach().cpu().numpy()})
        return [torch.from_numpy(output) for output in outputs]

    return run


def _write_torchscript(model: nn.Module, example: Tensor, path: Path) -> None:
    import torch

    # tracing records the operations on `example`; the shape reads (x.size(0)) are recorded
    # as operations too, so the batch stays dynamic (the check at batch 1 confirms it)
    traced = torch.jit.trace(model, example, check_trace=False)
    traced.save(str(path))


def _load_torchscript(path: Path) -> Runner:
    """Only ever the file this command has just written, to check it (torch.jit.load and
    torch.export.load read pickled data and run the file's program: never a file from
    elsewhere, as docs/reliability.md promises)."""
    import torch

    with quiet_exporters():
        loaded = torch.jit.load(str(path), map_location="cpu").eval()

    def run(x: Tensor) -> list[Tensor]:
        with torch.no_grad():
            return as_tensors(loaded(x))

    return run


def _write_exported_program(model: nn.Module, example: Tensor, path: Path) -> None:
    import torch

    program = torch.export.export(model, (example,), dynamic_shapes=({0: _batch_dim()},))
    torch.export.save(program, str(path))


def _load_exported_program(path: Path) -> Runner:
    """Only ever the file this command has just written (see _load_torchscript)."""
    import torch

    module = torch.export.load(str(path)).module()

    def run(x: Tensor) -> list[Tensor]:
        with torch.no_grad():
            return as_tensors(module(x))

    return run


FORMATS: dict[str, ExportFormat] = {
    "onnx": ExportFormat("onnx", ".onnx", _write_onnx, _load_onnx, "ONNX, checked in onnxruntime"),
    "torchscript": ExportFormat(
        "torchscript",
        ".torchscript.pt",
        _write_torchscript,
        _load_torchscript,
        "TorchScript (torch.jit.trace; deprecated by PyTorch in favour of exported-program)",
    ),
    "exported-program": ExportFormat(
        "exported-program",
        ".pt2",
        _write_exported_program,
        _load_exported_program,
        "torch.export's ExportedProgram (.pt2), loaded by torch.export.load",
    ),
}
