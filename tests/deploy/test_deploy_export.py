"""learnlab.deploy.export: each format's file, run again by its own runtime (onnxruntime,
torch.jit.load, torch.export.load) at batch sizes other than the traced one, gives the eager
model's outputs; a file that does not is never put in place; the registry's classifiers
export (torchscript here; every format in the slow test)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from learnlab.deploy.export import ExportMismatch, export_model
from learnlab.deploy.export_formats import FORMATS
from learnlab.io.errors import ConfigError
from learnlab.models.inputs import MODEL_INPUTS
from learnlab.models.registry import build_model

# a small example of each kind of input the classifiers take
SHAPES = {"image": (1, 16, 16), "sequence": (1, 40), "vector": (12,)}
CLASSIFIERS = sorted(name for name, stated in MODEL_INPUTS.items() if stated.kinds)


def _run_file(fmt: str, path, x: torch.Tensor) -> torch.Tensor:
    """The file run by its runtime, written out here rather than through learnlab."""
    if fmt == "onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        return torch.from_numpy(session.run(None, {session.get_inputs()[0].name: x.numpy()})[0])
    if fmt == "torchscript":
        return torch.jit.load(str(path))(x)
    return torch.export.load(str(path)).module()(x)


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated")
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_the_file_computes_the_model_at_any_batch_size(fmt, tmp_path):
    torch.manual_seed(0)
    model = build_model("mlp", (1, 8, 8), 10).eval()
    report = export_model(model, torch.randn(100, 1, 8, 8), fmt, tmp_path / "m.file")
    assert report.path == tmp_path / "m.file" and report.examples == 100
    assert 0 <= report.max_abs_difference <= 1e-5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.file"]  # no temporary left
    for batch in (1, 3, 257):
        x = torch.randn(batch, 1, 8, 8)
        with torch.no_grad():
            expected = model(x)
            got = _run_file(fmt, tmp_path / "m.file", x)
        assert got.shape == expected.shape
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-5)


class SignBranch(nn.Module):
    """Python control flow on the data: tracing keeps only the branch the example took."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 2 if float(x.sum()) > 0 else -x


def test_a_file_that_differs_is_not_written_and_the_old_one_stays(tmp_path):
    target = tmp_path / "model.torchscript.pt"
    target.write_bytes(b"the previous export")
    inputs = torch.cat([torch.ones(2, 3), -torch.ones(5, 3)])  # the traced pair sums > 0
    with pytest.raises(ExportMismatch, match="differ from the model's by 3 ") as caught:
        export_model(SignBranch(), inputs, "torchscript", target)
    assert caught.value.exit_code == 1
    assert target.read_bytes() == b"the previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_a_model_the_exporter_cannot_capture_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="SignBranch cannot be exported to exported-program"):
        export_model(SignBranch(), torch.ones(4, 3), "exported-program", tmp_path / "m.pt2")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fmt": "tflite"}, "unknown export format 'tflite'"),
        ({"tolerance": -1.0}, "--tolerance -1.0: give a finite number >= 0"),
        ({"tolerance": float("nan")}, "--tolerance nan"),
    ],
)
def test_bad_arguments_are_config_errors(kwargs, message, tmp_path):
    arguments = {"fmt": "onnx", "tolerance": 1e-5, **kwargs}
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        export_model(nn.Linear(3, 2), torch.ones(4, 3), path=tmp_path / "m.onnx", **arguments)
    assert list(tmp_path.iterdir()) == []


def test_an_output_inside_a_file_is_a_config_error(tmp_path):
    (tmp_path / "a_file").write_text("")
    with pytest.raises(ConfigError, match="cannot write there"):
        export_model(nn.Linear(3, 2), torch.ones(4, 3), "onnx", tmp_path / "a_file" / "m.onnx")


def _export_registered(name: str, fmt: str, tmp_path) -> float:
    kind = MODEL_INPUTS[name].kinds[0]
    torch.manual_seed(0)
    model = build_model(name, SHAPES[kind], 10)
    report = export_model(model, torch.randn(32, *SHAPES[kind]), fmt, tmp_path / name)
    return report.max_abs_difference


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_every_registered_classifier_exports_to_torchscript(name, tmp_path):
    assert _export_registered(name, "torchscript", tmp_path) <= 1e-5


@pytest.mark.slow  # the torch.export-based exporters take 1-5 s a model
@pytest.mark.parametrize("fmt", ["onnx", "exported-program"])
@pytest.mark.parametrize("name", CLASSIFIERS)
def test_every_registered_classifier_exports(name, fmt, tmp_path):
    assert _export_registered(name, fmt, tmp_path) <= 1e-5
