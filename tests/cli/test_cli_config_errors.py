"""Bad configuration: each kind exits with code 2 and a short message naming the problem."""

from __future__ import annotations

import subprocess
import sys

import pytest

from learnlab.cli import main

BASE = ["train", "--dataset", "digits", "--model", "mlp", "--epochs", "1"]


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    monkeypatch.chdir(tmp_path)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


CASES = {
    "unknown key": (["--set", "lern_rate=0.1"], ["lern_rate", "unknown key", "Allowed keys"]),
    "wrong type": (["--set", "epochs=many"], ["epochs", "integer"]),
    "negative learning rate": (["--lr", "-1"], ["lr", "greater than 0"]),
    "zero epochs": (["--epochs", "0"], ["epochs", "greater than or equal to 1"]),
    "unknown dataset": (["--dataset", "cifar10"], ["unknown dataset 'cifar10'", "mnist"]),
    "unknown model": (["--model", "resnet999"], ["unknown model 'resnet999'", "lenet5"]),
    "unknown optimizer": (["--optimizer", "sgdd"], ["unknown optimizer 'sgdd'", "nesterov"]),
    "unknown schedule": (["--set", "schedule=exponential"], ["schedule", "linear"]),
    "malformed --set": (["--set", "lr"], ["key=value"]),
    "missing config file": (["--config", "nope.toml"], ["nope.toml", "does not exist"]),
    "out-of-range fraction": (["--set", "val_fraction=1.5"], ["val_fraction", "less than 1"]),
    "unknown model option": (["--set", "model_options.widht=3"], ["widht", "width"]),
    "missing model file": (["--model", "nothere.py:build"], ["nothere.py"]),
    "resume without checkpoint": (["--resume", "."], ["no checkpoint"]),
    "resume with --run-dir": (["--resume", ".", "--run-dir", "x"], ["drop --run-dir"]),
    "unknown optimizer option": (["--set", "optimizer_options.bettas=1"], ["bettas"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_configuration_exits_2_with_a_clear_message(case, capsys):
    extra, expected = CASES[case]
    code = main(BASE + extra + ["--set", "progress=false"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("error: ")
    for fragment in expected:
        assert fragment in err, (fragment, err)
    assert "Traceback" not in err
    assert len(err.splitlines()) <= 8


def test_bad_toml_and_unknown_toml_key(tmp_path, capsys):
    bad = write(tmp_path, "bad.toml", "epochs = = 3\n")
    assert main(BASE + ["--config", bad]) == 2
    assert "not valid TOML" in capsys.readouterr().err
    unknown = write(tmp_path, "unknown.toml", 'dataset = "digits"\nbatchsize = 3\n')
    assert main(["train", "--config", unknown]) == 2
    assert "batchsize" in capsys.readouterr().err


def test_argparse_errors_also_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "--epochs", "three"])
    assert info.value.code == 2
    assert "invalid int value" in capsys.readouterr().err


def test_a_real_process_prints_no_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "learnlab", *BASE, "--optimizer", "nope"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "unknown optimizer" in proc.stderr


def test_help_does_not_import_torch():
    code = (
        "import sys; from learnlab.cli import make_parser; make_parser().format_help(); "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "learnlab", "--help"], capture_output=True, text=True
    )
    assert proc.returncode == 0 and "train" in proc.stdout
