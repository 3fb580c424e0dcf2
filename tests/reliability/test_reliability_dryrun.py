"""`--dry-run`: it checks what a run would build without loading data or writing anything, and
the shapes it builds models on are those of the real data sets."""

from __future__ import annotations

import io
import json
import math
from contextlib import redirect_stderr, redirect_stdout

import pytest

from learnlab.cli import main
from learnlab.commands.dryrun import steps_per_epoch
from learnlab.config import TrainConfig
from learnlab.data import dataset_names, get_dataset_spec, load_dataset


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    monkeypatch.chdir(tmp_path)


def cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


# reading the files is quick for USPS only; the others run with `make test-slow`
SLOW = [n for n in dataset_names() if n != "usps"]


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in dataset_names()]
)
def test_the_shapes_a_dry_run_uses_are_the_data_sets_own(name, data_root):
    shapes = get_dataset_spec(name)
    assert shapes.shapes_known, "register the data set with its shapes (DatasetSpec)"
    ds = load_dataset(name, root=data_root, download=False)
    assert tuple(ds.input_shape) == shapes.input_shape
    assert ds.num_outputs == shapes.num_outputs
    assert len(ds.train) == shapes.train_examples
    assert (ds.val is not None) == shapes.has_val


def test_the_steps_per_epoch_follow_the_validation_split_and_the_limit():
    mnist = get_dataset_spec("mnist")
    assert steps_per_epoch(TrainConfig(batch_size=100, val_fraction=0.1), mnist) == 540
    assert steps_per_epoch(TrainConfig(batch_size=64, val_fraction=0.0), mnist) == math.ceil(
        60_000 / 64
    )
    assert steps_per_epoch(TrainConfig(batch_size=64, limit_train=100), mnist) == 2


def test_a_dry_run_loads_no_data_and_writes_nothing(tmp_path):
    run_dir = tmp_path / "run"
    argv = ["train", "--dataset", "mnist", "--model", "mlp", "--run-dir", str(run_dir)]
    argv += ["--set", f"data_root={tmp_path / 'no-data-here'}", "--set", "download=false"]
    code, out, err = cli(argv + ["--set", "model_options.width=100000", "--dry-run"])
    assert code == 0, err
    config = json.loads(out)  # stdout is the resolved configuration, nothing else
    assert config["model_options"]["width"] == 100000 and config["download"] is False
    # a 10-billion-parameter model: built on the meta device, it costs no memory
    assert "model, optimizer and schedule built (10,079,600,010 parameters)" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_dry_run_refuses_a_run_dir_that_holds_files(tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "config.json").write_text("{}")
    code, out, err = cli(["train", "--run-dir", str(tmp_path / "old"), "--dry-run"])
    assert code == 2 and out == "" and "already holds files" in err


def test_a_dry_run_reports_an_error_a_run_would_meet_only_after_loading(tmp_path):
    code, _, err = cli(["train", "--dataset", "usps", "--set", "schedule=onecycle", "--dry-run"])
    assert code == 0, err  # 103 steps per epoch: room for both phases
    code, _, err = cli(
        ["train", "--dataset", "usps", "--set", "schedule=onecycle", "--batch-size", "8000"]
        + ["--dry-run"]
    )
    assert code == 2 and "onecycle" in err and "total_steps=2" in err


def test_help_documents_the_dry_run():
    for command in (["train"], ["run", "quickstart"]):
        out = io.StringIO()
        with redirect_stdout(out), pytest.raises(SystemExit):
            main([*command, "--help"])
        assert "--dry-run" in out.getvalue() and "print it as JSON" in out.getvalue()
