"""`learnlab export RUN`: each format's file, run by its own runtime, gives the trained model's
outputs on the run's test examples (normalised as the run normalised them) to 1e-5, for a
digits MLP and an MNIST LeNet-5; the file lands beside the weights or at --output, and bad
input exits 2 with a message, no traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
import torch

from learnlab.cli import main
from learnlab.models.saved import load_model
from learnlab.pipeline.trained_run import load_trained_run

QUIET = ["--set", "progress=false", "--set", "baselines=false"]


def _train(path, *argv: str):
    assert (
        main(["train", *argv, "--epochs", "1", "--seed", "0", *QUIET, "--run-dir", str(path)]) == 0
    )
    return path


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "digits-mlp"
    return _train(path, "--dataset", "digits", "--model", "mlp", "--set", "model_options.width=32")


def _file_outputs(fmt: str, path, x: torch.Tensor) -> torch.Tensor:
    """The exported file run by its own runtime, not through learnlab."""
    if fmt == "onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        return torch.from_numpy(session.run(None, {session.get_inputs()[0].name: x.numpy()})[0])
    if fmt == "torchscript":
        return torch.jit.load(str(path))(x)
    return torch.export.load(str(path)).module()(x)


def _assert_matches_pytorch(run_dir, fmt: str, file, examples: int = 1000) -> None:
    run = load_trained_run(run_dir)  # the test split normalised as in training
    x = run.data.test.x[:examples]
    with torch.no_grad():
        expected = run.model(x)
        got = _file_outputs(fmt, file, x)
    assert got.shape == expected.shape == (len(x), 10)
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-5)


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated")
@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("onnx", "model.onnx"),
        ("torchscript", "model.torchscript.pt"),
        ("exported-program", "model.pt2"),
    ],
)
def test_export_writes_beside_the_weights_and_matches_pytorch(digits_run, fmt, name, capsys):
    capsys.readouterr()
    assert main(["export", str(digits_run), "--format", fmt]) == 0
    out, err = capsys.readouterr()
    assert out.strip().splitlines()[-1] == str(digits_run / name)
    assert "checked on 360 test examples of digits" in err and "largest |file - PyTorch|" in err
    _assert_matches_pytorch(digits_run, fmt, digits_run / name)


def test_mnist_lenet5_exports_to_onnx_matching_pytorch_on_1000_test_images(tmp_path, capsys):
    run_dir = _train(tmp_path / "lenet5", "--dataset", "mnist", "--model", "lenet5",
                     "--set", "limit_train=256")  # fmt: skip
    assert main(["export", str(run_dir), "--format", "onnx"]) == 0
    assert "checked on 1000 test examples of mnist" in capsys.readouterr().err
    _assert_matches_pytorch(run_dir, "onnx", run_dir / "model.onnx", examples=1000)


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated")
def test_a_run_with_several_models_takes_model_and_output(digits_run, tmp_path, capsys):
    run_dir = tmp_path / "two-models"
    shutil.copytree(digits_run, run_dir)
    shutil.copy(run_dir / "model.safetensors", run_dir / "student.safetensors")
    capsys.readouterr()
    assert main(["export", str(run_dir), "--format", "torchscript"]) == 2
    assert (
        "holds 2 saved models (model, student); choose one with --model" in capsys.readouterr().err
    )
    assert main(["export", str(run_dir), "--model", "teacher"]) == 2
    assert "it holds: model, student" in capsys.readouterr().err
    target = tmp_path / "elsewhere" / "student.pt"
    argv = ["export", str(run_dir), "--model", "student", "--format", "torchscript"]
    assert main([*argv, "--output", str(target)]) == 0
    assert target.is_file() and [p.name for p in run_dir.glob("student*")] == [
        "student.safetensors"
    ]
    scripted = torch.jit.load(str(target))
    x = load_trained_run(digits_run).data.test.x[:50]
    torch.testing.assert_close(scripted(x), load_model(run_dir / "student.safetensors")(x))


def test_a_file_over_the_tolerance_exits_1_and_is_not_written(digits_run, tmp_path, capsys):
    target = tmp_path / "strict.onnx"
    capsys.readouterr()
    # onnxruntime's kernels sum in another order than torch's: not bit-equal (about 1e-6)
    assert main(["export", str(digits_run), "--tolerance", "0", "--output", str(target)]) == 1
    err = capsys.readouterr().err
    assert "more than the tolerance 0; nothing was written" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def _without_weights(digits_run, tmp_path):
    copy = tmp_path / "unfinished"
    shutil.copytree(digits_run, copy)
    (copy / "model.safetensors").unlink()
    return copy


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("no weights", "holds no trained weights"),
        ("not a run", "is not a run directory"),
        ("no such run", "no run directory"),
        ("format", "unknown export format 'tflite'. You can choose one of: onnx"),
        ("output", "cannot write there"),
        ("tolerance", "--tolerance -1.0: give a finite number >= 0"),
        ("examples", "--examples 0: give 1 or more"),
    ],
)
def test_bad_input_exits_2_with_a_message(digits_run, tmp_path, capsys, case, message):
    (tmp_path / "a_file").write_text("")
    argv = {
        "no weights": [str(_without_weights(digits_run, tmp_path))],
        "not a run": [str(tmp_path)],
        "no such run": [str(tmp_path / "missing")],
        "format": [str(digits_run), "--format", "tflite"],
        "output": [str(digits_run), "--output", str(tmp_path / "a_file" / "m.onnx")],
        "tolerance": [str(digits_run), "--tolerance", "-1"],
        "examples": [str(digits_run), "--examples", "0"],
    }[case]
    capsys.readouterr()
    assert main(["export", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_help_loads_neither_torch_nor_onnx():
    code = "import sys; from learnlab.cli import make_parser; make_parser()\n"
    code += "print(sorted(m for m in ('torch', 'onnx', 'onnxruntime') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr
