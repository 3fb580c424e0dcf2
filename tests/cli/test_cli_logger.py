"""`--logger` (and the config key `logger`): the run's scalars also go to TensorBoard or MLflow
as it trains, equal to what the run directory records; unknown names and missing packages are
clear errors; a recipe passes its logger to its `learnlab train` runs."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from safetensors.torch import load_file

from learnlab.cli import main
from learnlab.runs import OUTPUTS_FILE, STEP_LOSSES_KEY

QUICK = [
    "train",
    "--dataset",
    "digits",
    "--model",
    "mlp",
    "--set",
    "progress=false",
    "--set",
    "model_options.width=32",
    "--set",
    "baselines=false",
]


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    # MLflow's own variables would send the runs elsewhere
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)


def tensorboard_scalars(log_dir: Path) -> dict[str, list[tuple[int, float]]]:
    """tag -> [(step, value)] as TensorBoard itself reads the event files (purges included)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(log_dir), size_guidance={"scalars": 0})  # 0: keep them all
    events.Reload()
    return {
        tag: [(e.step, e.value) for e in events.Scalars(tag)] for tag in events.Tags()["scalars"]
    }


def expected_scalars(run: Path) -> dict[str, list[tuple[int, float]]]:
    """What the run directory records, as the logger must send it: each metrics.jsonl record at
    the step that ended its epoch, every step's loss, the summary's test metrics at the end."""
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    losses = load_file(run / OUTPUTS_FILE)[STEP_LOSSES_KEY].tolist()
    steps_per_epoch = len(losses) // len(records)
    expected: dict[str, list[tuple[int, float]]] = {
        "train_step_loss": [(i + 1, v) for i, v in enumerate(losses)]
    }
    for record in records:
        for key, value in record.items():
            expected.setdefault(key, []).append((record["epoch"] * steps_per_epoch, value))
    summary = json.loads((run / "summary.json").read_text())
    for key, value in summary.items():
        if key.startswith("test_"):
            expected[key] = [(len(losses), value)]
    return expected


def assert_same_scalars(logged, expected) -> None:
    assert set(logged) == set(expected)
    for tag, points in expected.items():
        assert [s for s, _ in logged[tag]] == [s for s, _ in points], tag
        # TensorBoard keeps float32
        assert [v for _, v in logged[tag]] == pytest.approx([v for _, v in points], rel=1e-6), tag


def test_tensorboard_gets_the_run_scalars_as_metrics_jsonl_has_them(tmp_path, capsys):
    pytest.importorskip("tensorboard", reason="the dev extra installs tensorboard")
    run = tmp_path / "run"
    assert main(QUICK + ["--epochs", "2", "--logger", "tensorboard", "--run-dir", str(run)]) == 0
    err = capsys.readouterr().err.replace("\n", "")  # the console wraps long lines
    assert f"TensorBoard in {run / 'tensorboard'}" in err
    logged = tensorboard_scalars(run / "tensorboard")
    expected = expected_scalars(run)
    assert {"train_loss", "val_accuracy", "lr", "test_accuracy"} <= set(expected)
    assert_same_scalars(logged, expected)
    assert json.loads((run / "config.json").read_text())["logger"] == "tensorboard"
    # the default logs nowhere else
    plain = tmp_path / "plain"
    assert main(QUICK + ["--epochs", "1", "--run-dir", str(plain)]) == 0
    assert not (plain / "tensorboard").exists()


def test_a_resumed_run_logs_each_step_once(tmp_path):
    pytest.importorskip("tensorboard", reason="the dev extra installs tensorboard")
    run = tmp_path / "run"
    assert main(QUICK + ["--epochs", "1", "--logger", "tensorboard", "--run-dir", str(run)]) == 0
    assert main(["train", "--resume", str(run), "--epochs", "3"]) == 0
    logged = tensorboard_scalars(run / "tensorboard")
    expected = expected_scalars(run)
    # the first attempt's test metrics were logged at the end of epoch 1; the final ones at 3
    first_test = logged["test_accuracy"][0]
    assert first_test[0] == expected["epoch"][0][0]
    for tag in expected:
        if tag.startswith("test_"):
            logged[tag] = logged[tag][1:]
    assert_same_scalars(logged, expected)
    assert len(expected["epoch"]) == 3


@pytest.mark.parametrize(
    "setting, message",
    [
        (["--logger", "wandb"], "unknown logger 'wandb'"),
        (["--set", "logger=TensorBoardLogger"], "unknown logger 'TensorBoardLogger'"),
    ],
)
def test_an_unknown_logger_names_the_known_ones(setting, message, capsys):
    assert main(QUICK + setting) == 2
    err = capsys.readouterr().err
    assert message in err and "none, tensorboard, mlflow" in err
    assert "Traceback" not in err


def test_a_logger_whose_package_is_missing_says_how_to_install_it(capsys):
    missing = [n for n in ("mlflow", "tensorboard") if importlib.util.find_spec(n) is None]
    if not missing:
        pytest.skip("tensorboard and mlflow are both installed: no missing package to show")
    name = missing[0]
    assert main(QUICK + ["--logger", name]) == 2
    err = capsys.readouterr().err
    assert f"logger {name!r} needs the {name} package, which is not installed" in err
    assert f"pip install -e '.[{name}]'" in err


def test_mlflow_gets_the_run_scalars_and_its_config_and_a_resume_continues_its_run(tmp_path):
    pytest.importorskip(
        "mlflow",
        reason="mlflow is not installed (pip install -e '.[mlflow]'); benchmarks/torch_versions.py "
        "--extras dev,mlflow --tests tests/cli/test_cli_logger.py runs this in a venv with it",
    )
    from mlflow.tracking import MlflowClient

    run = tmp_path / "run"

    def logged_run():
        client = MlflowClient(tracking_uri=f"sqlite:///{run / 'mlflow.db'}")
        (found,) = client.search_runs([client.get_experiment_by_name("learnlab").experiment_id])
        history = client.get_metric_history
        metrics = {
            tag: sorted((m.step, m.value) for m in history(found.info.run_id, tag))
            for tag in found.data.metrics
        }
        return found, metrics

    assert main(QUICK + ["--epochs", "2", "--logger", "mlflow", "--run-dir", str(run)]) == 0
    mlflow_run, logged = logged_run()
    assert mlflow_run.info.run_name == "run" and mlflow_run.info.status == "FINISHED"
    assert mlflow_run.data.params["lr"] == "0.002"
    assert mlflow_run.data.params["model_options.width"] == "32"
    assert_same_scalars(logged, expected_scalars(run))
    # --resume goes on in the same MLflow run: one run, the third epoch added
    assert main(["train", "--resume", str(run), "--epochs", "3"]) == 0
    resumed, logged = logged_run()
    assert resumed.info.run_id == mlflow_run.info.run_id and resumed.info.status == "FINISHED"
    expected = expected_scalars(run)
    assert [v for _, v in logged["epoch"]] == [1, 2, 3]
    for tag in expected:  # the first attempt's test metrics stay at its last step
        if tag.startswith("test_"):
            logged[tag] = logged[tag][1:]
    assert_same_scalars(logged, expected)


def test_a_recipe_gives_its_logger_to_its_training_runs(tmp_path, data_root):
    pytest.importorskip("tensorboard", reason="the dev extra installs tensorboard")
    run = tmp_path / "curve"
    quick = [
        "--set",
        "dataset=digits",
        "--set",
        "sizes=[60, 100, 150, 200]",
        "--set",
        "min_steps=5",
        "--set",
        "model_options={width = 16, depth = 1}",
    ]
    args = ["run", "learning-curve", "--logger", "tensorboard", "--run-dir", str(run)]
    assert main(args + quick) == 0
    parts = sorted(p.parent for p in run.glob("*/metrics.jsonl"))
    assert len(parts) == 4
    for part in parts:
        assert json.loads((part / "config.json").read_text())["logger"] == "tensorboard"
        assert_same_scalars(tensorboard_scalars(part / "tensorboard"), expected_scalars(part))


def test_a_recipe_that_trains_in_its_own_loops_refuses_a_logger(capsys):
    assert main(["run", "gcn-karate", "--logger", "tensorboard", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "recipe 'gcn-karate' trains its models in loops of its own" in err
    assert "quickstart" in err  # the recipes that do log
