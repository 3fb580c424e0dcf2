"""Safe loading: a malicious pickle given as a checkpoint, model or weights runs no code.

Each malicious file would create a marker file when unpickled (its __reduce__ calls
os.system("touch MARKER")); a control test shows that plain unpickling really does run it.
Every learnlab entry point that reads weights or state (load_state, load_model, the run files
behind `learnlab report`, `learnlab train --resume`, `learnlab doctor --weights`) must refuse
the file with a message naming it, and the marker must never appear.
"""

from __future__ import annotations

import io
import os
import pickle
import re
import shlex
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import save

from learnlab import runs
from learnlab.cli import main
from learnlab.io.errors import DataError
from learnlab.io.safe_load import UnsafeFileError, read_safetensors, require_safetensors, sniff
from learnlab.models.saved import load_model, load_model_info
from learnlab.train.checkpoint import load_state, save_state

QUICK_TRAIN = [
    "train",
    "--dataset",
    "digits",
    "--model",
    "mlp",
    "--epochs",
    "1",
    "--set",
    "progress=false",
    "--set",
    "model_options.width=32",
]


class RunsCodeWhenUnpickled:
    """Pickles to a call of os.system: unpickling it runs a shell command."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {shlex.quote(str(self.marker))}",))


def _torch_bytes(obj, **kwargs) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer, **kwargs)
    return buffer.getvalue()


# name -> how to build the malicious bytes from the payload object
MALICIOUS_FORMATS = {
    "pickle-protocol-0": lambda evil: pickle.dumps(evil, protocol=0),
    "pickle-protocol-2": lambda evil: pickle.dumps(evil, protocol=2),
    "pickle-protocol-5": lambda evil: pickle.dumps({"weight": evil}, protocol=5),
    "torch-save-zip": lambda evil: _torch_bytes({"weight": evil}),
    "torch-save-legacy": lambda evil: _torch_bytes(
        {"weight": evil}, _use_new_zipfile_serialization=False
    ),
}


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))


@pytest.fixture(params=sorted(MALICIOUS_FORMATS))
def malicious(request, tmp_path) -> tuple[Path, Path]:
    """(a malicious file named like a checkpoint, the marker it would create)."""
    marker = tmp_path / "PWNED"
    path = tmp_path / f"{request.param}.safetensors"
    path.write_bytes(MALICIOUS_FORMATS[request.param](RunsCodeWhenUnpickled(marker)))
    return path, marker


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    """A real run directory of a one-epoch `learnlab train` (copied by the tests that damage it)."""
    folder = tmp_path_factory.mktemp("finished")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LEARNLAB_RUNS", str(folder / "runs"))
        assert main(QUICK_TRAIN + ["--run-dir", str(folder / "run")]) == 0
    return folder / "run"


def assert_refused(message: str, path: Path, marker: Path) -> None:
    assert str(path) in message
    assert "not a safetensors file" in message
    assert "can run any code" in message
    assert "weights_only=True" in message and "safetensors.torch.save_file" in message
    assert "Traceback" not in message
    assert not marker.exists(), "the malicious file ran code"


def test_control_the_malicious_files_do_run_code_when_unpickled(tmp_path):
    """Without this, a test that finds no marker would prove nothing."""
    for name, build in MALICIOUS_FORMATS.items():
        marker = tmp_path / f"marker-{name}"
        blob = build(RunsCodeWhenUnpickled(marker))
        if name.startswith("torch"):
            torch.load(io.BytesIO(blob), weights_only=False)  # the unsafe legacy call
        else:
            pickle.loads(blob)
        assert marker.exists(), name


@pytest.mark.filterwarnings("ignore:Detected pickle protocol 5")
def test_weights_only_torch_load_refuses_them(malicious):
    """The only legacy path we would ever advise (in the refusal message) runs no code."""
    path, marker = malicious
    # bytes, not the path: torch 2.13 hands a path ending in .safetensors to safetensors
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        torch.load(io.BytesIO(path.read_bytes()), weights_only=True)
    assert not marker.exists()


def test_load_state_refuses_before_parsing(malicious):
    path, marker = malicious
    with pytest.raises(UnsafeFileError) as err:
        load_state(path)
    assert_refused(str(err.value), path, marker)
    assert isinstance(err.value, DataError)  # exit code 2 from the CLI


def test_load_model_refuses_a_file_and_a_run_directory(malicious, tmp_path):
    path, marker = malicious
    with pytest.raises(UnsafeFileError) as err:
        load_model(path)
    assert_refused(str(err.value), path, marker)
    run = tmp_path / "run"
    run.mkdir()
    shutil.copyfile(path, run / runs.MODEL_FILE)
    with pytest.raises(UnsafeFileError) as err:
        load_model(run)
    assert_refused(str(err.value), run / runs.MODEL_FILE, marker)


def test_cli_train_resume_refuses_with_exit_code_2(malicious, tmp_path, capsys):
    path, marker = malicious
    assert main(["train", "--resume", str(path)]) == 2
    assert_refused(capsys.readouterr().err, path, marker)
    run = tmp_path / "run"
    run.mkdir()
    shutil.copyfile(path, run / runs.CHECKPOINT_FILE)
    assert main(["train", "--resume", str(run)]) == 2
    assert_refused(capsys.readouterr().err, run / runs.CHECKPOINT_FILE, marker)


@pytest.mark.parametrize("victim", [runs.MODEL_FILE, runs.OUTPUTS_FILE])
def test_cli_report_refuses_a_run_whose_files_are_pickles(finished_run, victim, tmp_path, capsys):
    marker = tmp_path / "PWNED"
    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    (run / victim).write_bytes(_torch_bytes({"weight": RunsCodeWhenUnpickled(marker)}))
    assert main(["report", str(run)]) == 2
    assert_refused(capsys.readouterr().err, run / victim, marker)


def test_cli_report_still_works_on_the_untouched_run(finished_run, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    assert main(["report", str(run)]) == 0
    assert capsys.readouterr().out.strip().endswith("report.html")


def test_cli_doctor_weights_refuses_with_exit_code_2(malicious, tmp_path, capsys):
    path, marker = malicious
    args = ["doctor", "--dataset", "digits", "--model", "mlp", "--set", "model_options.width=32"]
    code = main(args + ["--checks", "data", "--weights", str(path)])
    assert code == 2
    assert_refused(capsys.readouterr().err, path, marker)


def test_the_real_files_of_a_run_pass_the_check(finished_run):
    for name in [runs.CHECKPOINT_FILE, runs.MODEL_FILE, runs.OUTPUTS_FILE]:
        assert require_safetensors(finished_run / name) == finished_run / name
    model = load_model(finished_run)
    assert load_model_info(finished_run)["model"] == "mlp" and not model.training


def test_sniff_accepts_safetensors_and_names_other_formats(tmp_path):
    good = save({"w": torch.ones(2, 3)}, metadata={"k": "v"})
    assert sniff(good, len(good)) is None
    empty = save({})
    assert sniff(empty, len(empty)) is None
    header_len = int.from_bytes(good[:8], "little")
    cases = {
        b"": "too short",
        b"\x08\x00\x00": "too short",
        b"\x93NUMPY\x01\x00v\x00{'descr': '<f4'}": "numpy",
        b"\x1f\x8b\x08\x00" + bytes(20): "gzip",
        b"PK\x03\x04" + bytes(20): "torch.save",
        b"\x80\x04\x95": "pickle",
        (10**9).to_bytes(8, "little") + b"{}": "impossible",
        (0).to_bytes(8, "little") + b"{}": "impossible",
        (2).to_bytes(8, "little") + b"[]": "does not start a JSON object",
        (4).to_bytes(8, "little") + b"{1:}": "not valid JSON",
        (4).to_bytes(8, "little") + b'{"\xff"': "not valid JSON",
        good[: 8 + header_len - 1] + b"]" + good[8 + header_len :]: "not valid JSON",
    }
    for blob, why in cases.items():
        problem = sniff(blob, len(blob))
        assert problem is not None and why in problem, (blob[:12], problem)


def test_missing_or_unreadable_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="cannot read weights file"):
        require_safetensors(tmp_path / "nothing.safetensors")
    with pytest.raises(DataError, match="cannot read checkpoint"):
        require_safetensors(tmp_path, what="checkpoint")  # a directory


def test_a_damaged_real_checkpoint_is_a_clear_error(tmp_path):
    path = tmp_path / "checkpoint.safetensors"
    save_state(path, {"w": torch.arange(100.0), "epoch": 3})
    assert load_state(path)["epoch"] == 3
    blob = path.read_bytes()
    path.write_bytes(blob[: len(blob) - 50])  # data cut short, header intact
    with pytest.raises(DataError, match=re.escape(str(path))):
        load_state(path)
    path.write_bytes(b"\xff" * 8 + blob[8:])  # header length smashed
    with pytest.raises(UnsafeFileError, match="impossible"):
        load_state(path)


@pytest.mark.parametrize("victim", [runs.MODEL_FILE, runs.OUTPUTS_FILE])
def test_a_cut_short_run_file_is_a_clear_error_not_a_traceback(
    finished_run, victim, tmp_path, capsys
):
    """A safetensors file whose header is intact but whose data was cut off (a bad copy)."""
    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    blob = (run / victim).read_bytes()
    (run / victim).write_bytes(blob[: len(blob) - 100])
    assert main(["report", str(run)]) == 2
    err = capsys.readouterr().err
    assert f"{run / victim} cannot be read: it is damaged" in err.replace("\n", "")
    assert "Traceback" not in err
    if victim == runs.MODEL_FILE:
        with pytest.raises(DataError, match="it is damaged"):
            load_model(run)
        args = ["doctor", "--dataset", "digits", "--model", "mlp"]
        args += ["--set", "model_options.width=32", "--checks", "data", "--weights", str(run)]
        assert main(args) == 2
        assert "it is damaged" in capsys.readouterr().err


def test_read_safetensors_reads_the_header_alone_or_everything(tmp_path):
    path = tmp_path / "w.safetensors"
    path.write_bytes(save({"w": torch.arange(6.0).reshape(2, 3)}, metadata={"k": "v"}))
    tensors, metadata = read_safetensors(path)
    assert torch.equal(tensors["w"], torch.arange(6.0).reshape(2, 3)) and metadata == {"k": "v"}
    assert read_safetensors(path, tensors=False) == ({}, {"k": "v"})
    whole = path.read_bytes()
    path.write_bytes(whole[:-4])  # the header alone still finds data missing
    for tensors in (True, False):
        with pytest.raises(DataError, match="it is damaged"):
            read_safetensors(path, tensors=tensors)
    path.write_bytes(whole.replace(b'"data_offsets":[0,24]', b'"data_offsets":[0,""]'))
    assert len(path.read_bytes()) == len(whole)  # only the offsets are wrong
    for tensors in (True, False):
        with pytest.raises(DataError, match="it is damaged"):
            read_safetensors(path, tensors=tensors)


def test_a_safetensors_file_whose_first_byte_is_0x80_is_accepted(tmp_path):
    """A header length ending in the byte 0x80 makes a real safetensors file start like a
    pickle; the structure decides, not the first byte (one file in 256 would be refused)."""
    from safetensors.torch import save

    from learnlab.io.safe_load import read_safetensors, require_safetensors

    for pad in range(512):
        data = save({"w": torch.arange(3.0)}, metadata={"pad": "x" * pad})
        if data[0] == 0x80:
            break
    path = tmp_path / "model.safetensors"
    path.write_bytes(data)
    assert require_safetensors(path) == path
    tensors, metadata = read_safetensors(path)
    assert torch.equal(tensors["w"], torch.arange(3.0)) and metadata["pad"] == "x" * pad
