"""Threads through the CLI and the pipeline: `--threads N` reaches summary.json and the
console, a bad count is refused with exit 2, an automatic choice (timing included) trains bit
for bit like the same count set by hand, a resumed run keeps the count it started with, and
the Python API leaves torch's thread count as it found it."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest
import torch

from learnlab.cli import main

QUICK = ["train", "--dataset", "digits", "--model", "mlp", "--epochs", "1"]
QUICK += ["--set", "progress=false", "--set", "baselines=false", "--set", "model_options.width=32"]


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("LEARNLAB_CACHE", str(tmp_path / "cache"))


def automatic(monkeypatch) -> None:
    """No thread count in the environment: "auto" chooses."""
    monkeypatch.delenv("LEARNLAB_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)


def summary(run: Path) -> dict:
    return json.loads((run / "summary.json").read_text())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_threads_flag_reaches_the_console_and_the_summary(tmp_path, capsys, monkeypatch):
    automatic(monkeypatch)
    before = torch.get_num_threads()
    torch.set_num_threads(3)  # a count the run does not use: it must be there after
    try:
        assert main(QUICK + ["--threads", "1", "--run-dir", str(tmp_path / "r")]) == 0
        assert torch.get_num_threads() == 3  # the process is left as it was
    finally:
        torch.set_num_threads(before)
    assert "threads: 1 (set: threads=1)" in capsys.readouterr().err
    assert {k: summary(tmp_path / "r")[k] for k in ("threads", "threads_choice")} == {
        "threads": 1,
        "threads_choice": "set",
    }
    assert main(QUICK + ["--set", "threads=2", "--dry-run"]) == 0
    assert json.loads(capsys.readouterr().out)["threads"] == 2


def quick_config(**settings):
    """Dropout draws from the global generator, batch norm keeps running statistics: a timing
    that touched either would change the run."""
    from learnlab.config import TrainConfig

    options = {"width": 32, "dropout": 0.2, "norm": "batch"}
    fixed = dict(dataset="digits", model="mlp", progress=False, baselines=False)
    return TrainConfig(**fixed, model_options=options, **{"epochs": 1, **settings})


def train_quietly(config, run_dir: Path):
    """The Python API without the report and the index (the seconds of these tests)."""
    from learnlab.pipeline import run_training

    return run_training(config, run_dir=run_dir, report=False, index=False)


def test_the_environment_decides_for_auto(tmp_path, capsys, monkeypatch):
    automatic(monkeypatch)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    published = train_quietly(quick_config(), tmp_path / "r")
    assert "threads: 1 (set by OMP_NUM_THREADS=1)" in capsys.readouterr().err
    assert published.summary["threads_choice"] == "environment"


@pytest.mark.parametrize("value", ["0", "-1", "many", "1.5"])
def test_a_bad_thread_count_exits_2(value, tmp_path, capsys):
    for args in (["--threads", value], ["--set", f"threads={value}"]):
        assert main(QUICK + args + ["--run-dir", str(tmp_path / "r")]) == 2
        err = capsys.readouterr().err
        assert 'threads: use "auto" or a whole number of threads from 1' in err, err
        assert "Traceback" not in err and not (tmp_path / "r").exists()


def test_auto_trains_bit_for_bit_like_the_count_it_chose(tmp_path, capsys, monkeypatch):
    automatic(monkeypatch)
    chosen = train_quietly(quick_config(seed=3), tmp_path / "auto").summary
    line = next(s for s in capsys.readouterr().err.splitlines() if s.startswith("threads:"))
    assert chosen["threads_choice"] == "auto" and "cores idle" in line
    train_quietly(quick_config(seed=3, threads=chosen["threads"]), tmp_path / "fixed")
    weights = [sha256(tmp_path / name / "model.safetensors") for name in ("auto", "fixed")]
    assert weights[0] == weights[1]


def test_the_timing_in_the_pipeline_leaves_the_training_bit_identical(monkeypatch):
    """The pipeline's own choice with the load unknown (a CPU sample without /proc/stat
    numbers), so that it times 1 and all cores whatever the machine's load is now."""
    from learnlab.config import TrainConfig
    from learnlab.machine import CpuSample, usable_cores
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.pipeline import prepare_data
    from learnlab.pipeline.build import build_training_parts
    from learnlab.pipeline.threads import choose_run_threads
    from learnlab.train.seeding import seed_everything, torch_threads

    if usable_cores() < 2:
        pytest.skip("one usable core: there is nothing to choose")
    automatic(monkeypatch)
    options = {"width": 32, "dropout": 0.2, "norm": "batch"}
    config = TrainConfig(dataset="digits", model="mlp", model_options=options, seed=5)
    data = prepare_data(config)

    def train(calibrate: bool) -> tuple[torch.Tensor, object]:
        seed_everything(config.seed)
        parts = build_training_parts(config, (64,), 10, steps_per_epoch=1)
        unknown_load = CpuSample(time.monotonic(), None, time.process_time())
        args = (config, unknown_load, None, parts, CrossEntropy(), data.train, data.dataset)
        choice = choose_run_threads(*args) if calibrate else None
        with torch_threads(1):
            for start in range(0, 256, 64):
                x, y = data.train.x[start : start + 64], data.train.y[start : start + 64]
                parts.optimizer.zero_grad()
                CrossEntropy()(parts.model, (x, y))[0].backward()
                parts.optimizer.step()
        state = parts.model.state_dict()
        return torch.cat([state[k].flatten().double() for k in sorted(state)]), choice

    timed, choice = train(calibrate=True)
    assert sorted(choice.seconds_per_step) == [1, usable_cores()]  # it did time the steps
    untimed, _ = train(calibrate=False)
    assert torch.equal(timed, untimed)


def test_resume_keeps_the_count_the_run_started_with(tmp_path, capsys, monkeypatch):
    from learnlab.pipeline import run_training

    automatic(monkeypatch)
    run = tmp_path / "r"
    monkeypatch.setenv("LEARNLAB_THREADS", "1")
    train_quietly(quick_config(), run)
    capsys.readouterr()
    monkeypatch.setenv("LEARNLAB_THREADS", "2")  # the environment changed; the run did not
    resumed = run_training(quick_config(epochs=2), resume=run, report=False, index=False)
    err = capsys.readouterr().err
    assert "threads: 1 (as when the run started: set by LEARNLAB_THREADS=1)" in err
    assert resumed.summary["threads"] == 1 and resumed.summary["epochs_completed"] == 2
    assert summary(run)["threads_choice"] == "environment"


def test_a_number_set_on_resume_wins_and_says_what_it_costs():
    from learnlab.config import TrainConfig
    from learnlab.pipeline.threads import resumed_threads
    from learnlab.train.threads import ThreadChoice

    started = ThreadChoice(2, "auto", "auto: 2 of 2 cores idle; ...", {1: 0.2, 2: 0.1})
    kept = resumed_threads(TrainConfig(), started.to_json())
    assert (kept.threads, kept.how, kept.resumed) == (2, "auto", True)
    assert kept.to_json() == started.to_json()  # a second resume reads the same
    assert resumed_threads(TrainConfig(threads=2), started.to_json()).resumed
    changed = resumed_threads(TrainConfig(threads=1), started.to_json())
    assert (changed.threads, changed.how) == (1, "set") and "started with 2" in changed.why


def test_every_base_config_takes_threads_and_refuses_a_bad_count():
    from learnlab.config import DataRecipeConfig, DataSettings, RecipeConfig, TrainConfig
    from learnlab.io.errors import ConfigError
    from learnlab.recipes.mixer_mnist import MixerMnistConfig

    for model in (TrainConfig, RecipeConfig, DataRecipeConfig, DataSettings, MixerMnistConfig):
        assert model().threads == "auto" and model(threads=4).threads == 4
        for bad in (0, -1, "many", True, 2.0, "2"):
            with pytest.raises(ConfigError, match="whole number of threads"):
                model(threads=bad)


def test_doctor_and_search_take_threads_too(tmp_path, capsys, monkeypatch):
    automatic(monkeypatch)
    doctor = ["doctor", "--model", "mlp", "--dataset", "digits", "--checks", "data"]
    assert main(doctor + ["--threads", "1", "--run-dir", str(tmp_path / "d")]) == 0
    assert "threads: 1 (set: threads=1)" in capsys.readouterr().err
    assert main(doctor + ["--threads", "0"]) == 2
    example = Path(__file__).resolve().parents[2] / "docs/examples/search/digits.toml"
    search = ["search", "--config", str(example)]
    assert main(search + ["--threads", "many"]) == 2
    assert 'threads: use "auto"' in capsys.readouterr().err
