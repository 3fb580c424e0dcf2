"""Resources: a full disk or an unwritable run directory gives a clear error (exit code 2, a
message naming the file and what to do, no traceback) and leaves no half-written file.

The disk faults are real: a small tmpfs mounted by the test fills up mid-run, and a tmpfs
mounted read-only stands for an unwritable folder (as root, chmod would not stop a write).
Those tests need root and mount(8); elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import errno
import gc
import io
import json
import os
import shutil
import subprocess
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from learnlab.cli import main
from learnlab.config import TrainConfig
from learnlab.io.atomic import atomic_write_bytes
from learnlab.io.disk import check_writable, disk_errors
from learnlab.io.errors import ResourceError
from learnlab.models.saved import load_model
from learnlab.pipeline import run_training
from learnlab.runs import CHECKPOINT_FILE, MODEL_FILE
from learnlab.train.checkpoint import load_state

# an MLP on the 8x8 digits whose checkpoint (weights and Adam's two moments) is about 0.9 MB
TRAIN = ["train", "--dataset", "digits", "--model", "mlp", "--epochs", "2"]
SETTINGS = ["progress=false", "model_options.width=1000", "model_options.depth=1"]
SETTINGS += ["checkpoint_every_batches=2", "limit_train=200", "baselines=false"]


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))


def cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def train_argv(run_dir: Path, *extra: str) -> list[str]:
    return TRAIN + ["--run-dir", str(run_dir)] + [f"--set={s}" for s in SETTINGS] + list(extra)


@contextmanager
def tmpfs(where: Path, size_bytes: int, read_only: bool = False):
    """Mount a tmpfs of `size_bytes` at `where` for the block; skip the test if impossible."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    where.mkdir(parents=True, exist_ok=True)
    options = f"size={size_bytes}" + (",ro" if read_only else "")
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    try:
        yield where
    finally:
        gc.collect()  # tensors loaded from the disk may still map its files
        if subprocess.run(["umount", str(where)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "--lazy", str(where)], check=True)


def remount(where: Path, size_bytes: int) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size_bytes}", str(where)], check=True)


def leftovers(folder: Path) -> list[str]:
    """Temporary or hidden files: what an interrupted atomic write would leave."""
    return [p.name for p in folder.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]


def test_a_full_disk_mid_run_stops_cleanly_and_the_run_resumes_once_there_is_space(tmp_path):
    # room for one checkpoint, not for the second one beside it (an atomic write needs both)
    size = 1_500_000
    with tmpfs(tmp_path / "disk", size) as disk:
        run = disk / "run"
        code, out, err = cli(train_argv(run))
        assert code == 2, err
        assert out == ""
        error = err[err.index("error: ") :]
        assert error.startswith(f"error: no space left on device while writing {run}/")
        assert str(run / CHECKPOINT_FILE) in error
        assert "free space or choose another --run-dir" in err
        assert f"The last good checkpoint is in {run}" in err
        assert "Traceback" not in err
        assert leftovers(run) == []
        # every file there is whole: the first checkpoint verifies, the JSON files parse
        assert size / 2 < (run / CHECKPOINT_FILE).stat().st_size < size  # as the test assumes
        state = load_state(run / CHECKPOINT_FILE)
        assert state["extra"]["config"]["model_options"]["width"] == 1000
        assert json.loads((run / "config.json").read_text())["dataset"] == "digits"
        assert json.loads((run / "summary.json").read_text())["status"] == "failed"
        assert not (run / MODEL_FILE).exists()

        # with room again, the run continues from that checkpoint and finishes (as
        # `learnlab train --resume` does, less the seconds of drawing the report)
        remount(disk, 8 * size)
        config = TrainConfig(**state["extra"]["config"])
        outcome = run_training(config, resume=run, report=False, index=False)
        assert outcome.summary["status"] == "completed"
        assert json.loads((run / "summary.json").read_text())["status"] == "completed"
        model = load_model(run)
        assert sum(p.numel() for p in model.parameters()) == 75_010
        assert leftovers(run) == []
        del model, state


@pytest.mark.parametrize("inside", [False, True], ids=["run dir is the mount", "run dir below"])
def test_a_read_only_run_dir_fails_before_training_starts(tmp_path, inside):
    with tmpfs(tmp_path / "ro", 1 << 20, read_only=True) as disk:
        run = disk / "run" if inside else disk
        code, out, err = cli(train_argv(run))
        assert code == 2 and out == ""
        assert err.startswith(f"error: read-only file system while creating files in {run};")
        assert "choose a writable --run-dir" in err
        assert "training examples" not in err  # it stopped before the run's first line
        assert "Traceback" not in err
        assert list(disk.iterdir()) == []


def test_the_atomic_writer_on_a_full_disk_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    with tmpfs(tmp_path / "small", 64 * 1024) as disk:
        target = disk / "weights.bin"
        atomic_write_bytes(target, b"old" * 1000)
        with pytest.raises(ResourceError, match=f"no space left on device while writing {target}"):
            atomic_write_bytes(target, b"x" * (256 * 1024))
        assert target.read_bytes() == b"old" * 1000
        assert leftovers(disk) == []


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.ENOSPC, "no space left on device"),
        (errno.EDQUOT, "disk quota exceeded"),
        (errno.EROFS, "read-only file system"),
        (errno.EACCES, "permission denied"),
    ],
)
def test_disk_faults_become_resource_errors_naming_the_file(code, words):
    with pytest.raises(ResourceError) as info, disk_errors(Path("run/model.safetensors")):
        raise OSError(code, os.strerror(code))
    assert str(info.value).startswith(f"{words} while writing run/model.safetensors; ")
    assert isinstance(info.value.__cause__, OSError)  # the original stays attached
    assert info.value.exit_code == 2


def test_other_os_errors_pass_through_unchanged():
    with pytest.raises(FileNotFoundError), disk_errors(Path("x")):
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", "x")


def test_check_writable_accepts_a_folder_to_be_created(tmp_path):
    check_writable(tmp_path / "not" / "yet")  # its nearest existing parent is writable
    assert not (tmp_path / "not").exists() and list(tmp_path.iterdir()) == []
