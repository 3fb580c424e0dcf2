"""The data folder that the set-up records in the venv, and how data errors say to give one.

`make demo` / `make test` write the data folder they found into `<venv>/learnlab-data.txt`;
it is the default of $LEARNLAB_DATA, so `.venv/bin/learnlab` finds the data in a fresh shell.
These tests build a real venv in tmp_path (tests/doc_commands.py) and run the Makefile's rule.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from learnlab.cli import main

REPO = Path(__file__).resolve().parents[2]
LABELS = "mnist/t10k-labels-idx1-ubyte.gz"

# run by the venv's python: where the labels file is found under each $LEARNLAB_DATA
PROBE = """
import os, sys
from learnlab.data.files import fetch_file
from learnlab.data.registry import get_dataset_spec
from learnlab.io.errors import DataNotFound

labels = next(f for f in get_dataset_spec("mnist").files if f.path == sys.argv[1])
for value in sys.argv[2:]:
    if value == "UNSET":
        os.environ.pop("LEARNLAB_DATA", None)
    else:
        os.environ["LEARNLAB_DATA"] = value
    try:
        print(fetch_file(labels, download=False))
    except DataNotFound as exc:
        print("not found:", str(exc).replace(chr(10), " | "))
"""


def record_data(venv: Path, folder: str) -> subprocess.CompletedProcess:
    """The Makefile's own rule, as `make demo` runs it, for `venv` and LEARNLAB_DATA=folder."""
    command = ["make", "--silent", "-C", str(REPO), "data-record", f"VENV={venv}"]
    return subprocess.run(
        [*command, f"LEARNLAB_DATA={folder}"], capture_output=True, text=True, check=True
    )


def test_make_records_the_data_folder_in_the_venv_and_forgets_it(tmp_path):
    venv = tmp_path / ".venv"
    venv.mkdir()
    (venv / ".installed").touch()  # the Makefile's stamp: nothing to install
    (tmp_path / "data").mkdir()
    record_data(venv, str(tmp_path / "data"))
    assert (venv / "learnlab-data.txt").read_text() == f"{tmp_path / 'data'}\n"
    record_data(venv, "")  # no data folder found at set-up: no record left behind
    assert not (venv / "learnlab-data.txt").exists()


def test_recorded_folder_is_the_default_of_learnlab_data(tmp_path, data_root, doc_commands):
    venv = tmp_path / ".venv"
    doc_commands.overlay_venv(venv)
    record_data(venv, str(data_root))
    other = tmp_path / "other"
    (other / "mnist").mkdir(parents=True)
    (other / LABELS).write_bytes((data_root / LABELS).read_bytes())
    empty = tmp_path / "empty"
    empty.mkdir()
    home = tmp_path / "home"  # an empty user cache
    proc = subprocess.run(
        [venv / "bin" / "python", "-c", PROBE, LABELS, "UNSET", str(other), "", str(empty)],
        env={"PATH": "/usr/bin:/bin", "HOME": str(home)},
        capture_output=True,
        text=True,
        check=True,
    )
    unset, set_to_other, set_empty, set_to_empty_folder = proc.stdout.splitlines()
    assert unset == str(data_root / LABELS)  # the recorded folder, in a fresh environment
    assert set_to_other == str(other / LABELS)  # the variable overrides the record
    # empty: no folder at all; an empty folder: that folder, and the record is not looked at
    for line in (set_empty, set_to_empty_folder):
        assert line.startswith("not found:") and "learnlab-data.txt" not in line
    assert f"2. $LEARNLAB_DATA: {empty / LABELS}" in set_to_empty_folder
    record_data(venv, "")
    proc = subprocess.run(
        [venv / "bin" / "python", "-c", PROBE, LABELS, "UNSET"],
        env={"PATH": "/usr/bin:/bin", "HOME": str(home)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "2. $LEARNLAB_DATA: (not set)" in proc.stdout


def test_missing_data_error_names_the_command_line_ways(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LEARNLAB_DATA", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    argv = ["train", "--dataset", "mnist", "--run-dir", str(tmp_path / "run")]
    argv += ["--set", f"data_root={tmp_path / 'nothing-here'}", "--set", "download=false"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "1. data_root: " in err  # the setting's name, as --set spells it
    assert "--set data_root=<folder>" in err and "LEARNLAB_DATA=<folder>" in err
    assert "--set download=true" in err
    assert "pass root=" not in err  # the Python argument is named only as Python's
    assert "Traceback" not in err


def test_unwritable_cache_error_names_the_command_line_ways(tmp_path, monkeypatch):
    from learnlab.data.files import fetch_file
    from learnlab.data.registry import get_dataset_spec
    from learnlab.io.errors import DataError

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("LEARNLAB_DATA", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker / "cache"))  # cannot be created
    labels = next(f for f in get_dataset_spec("mnist").files if f.path == LABELS)
    with pytest.raises(DataError, match="Cannot create the download folder") as err:
        fetch_file(labels, download=True)
    assert "--set data_root=<folder>" in str(err.value) and "pass root=" not in str(err.value)
