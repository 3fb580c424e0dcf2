"""`learnlab runs` (list, filter, sort, compare) and `learnlab report`, on run directories
written for the test (no training) except for the report rebuild, which trains for 1 s."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from learnlab import runs
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.runs.index import RunIndex
from learnlab.runs.query import parse_condition, resolve_run, select


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))


def fake_run(root: Path, name: str, *, dataset: str, accuracy: float, lr: float, kind="train"):
    """A finished-looking run directory (config, summary, 3 epochs of metrics), indexed."""
    path = root / name
    path.mkdir(parents=True)
    config = {"dataset": dataset, "model": "mlp", "lr": lr, "model_options": {"width": 32}}
    runs.write_json(path / runs.CONFIG_FILE, config)
    summary = {"status": "completed", "dataset": dataset, "model": "mlp"}
    summary |= {"test_accuracy": accuracy, "test_loss": 1 - accuracy, "train_seconds": 2.5}
    runs.write_json(path / runs.SUMMARY_FILE, summary)
    history = [
        {"epoch": e, "train_loss": 1 / e, "val_loss": 1.2 / e, "val_accuracy": accuracy * e / 3}
        for e in (1, 2, 3)
    ]
    (path / runs.METRICS_FILE).write_text("".join(json.dumps(h) + "\n" for h in history))
    RunIndex(runs.runs_root()).record(path, {"kind": kind})
    time.sleep(0.01)  # distinct finish times: the default order is newest first
    return path


@pytest.fixture
def three_runs(tmp_path) -> list[Path]:
    root = tmp_path / "runs"
    return [
        fake_run(root, "20261124-100000-digits-mlp", dataset="digits", accuracy=0.95, lr=0.1),
        fake_run(root, "20261124-110000-mnist-mlp", dataset="mnist", accuracy=0.98, lr=0.01),
        fake_run(
            root, "20261124-120000-mnist-lenet5", dataset="mnist", accuracy=0.99, lr=0.01, kind="q"
        ),
    ]


def names(capsys) -> list[str]:
    return [e["name"] for e in json.loads(capsys.readouterr().out)]


def test_list_is_newest_first_and_filters_combine(three_runs, capsys):
    assert main(["runs"]) == 0
    out = capsys.readouterr().out
    assert out.index("120000-mnist-lenet5") < out.index("110000") < out.index("100000")
    assert "99.00%" in out and "3 of 3 runs" in out
    assert main(["runs", "--json", "--dataset", "mnist"]) == 0
    assert names(capsys) == ["20261124-120000-mnist-lenet5", "20261124-110000-mnist-mlp"]
    assert main(["runs", "--json", "--kind", "train", "--where", "test_accuracy>=96%"]) == 0
    assert names(capsys) == ["20261124-110000-mnist-mlp"]
    assert main(["runs", "--json", "--where", "config.lr<0.05", "--where", "name~lenet"]) == 0
    assert names(capsys) == ["20261124-120000-mnist-lenet5"]
    assert main(["runs", "--json", "--where", "model_options.width==32", "--limit", "1"]) == 0
    assert names(capsys) == ["20261124-120000-mnist-lenet5"]


def test_sort_and_reverse(three_runs, capsys):
    assert main(["runs", "--json", "--sort", "test_loss"]) == 0
    assert [n[9:15] for n in names(capsys)] == ["120000", "110000", "100000"]
    # text sorts alphabetically; equal keys keep the order of recording (oldest first)
    assert main(["runs", "--json", "--sort", "dataset", "--reverse"]) == 0
    assert [n[9:15] for n in names(capsys)] == ["110000", "120000", "100000"]


def test_json_entries_carry_paths_summary_and_config(three_runs, capsys):
    assert main(["runs", "--json", "--limit", "1"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["run_dir"] == str(three_runs[2].resolve())
    assert entry["config"]["lr"] == 0.01 and entry["summary"]["test_accuracy"] == 0.99


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("test_accuracy", "cannot read the filter"),
        ("test_accuracy>", "has no value"),
        ("test_accuracy>high", "needs a number"),
        ("test_accuracy>0.5>0.2", "more than one operator"),
        ("__import__('os')>1", "cannot read the filter"),
        ("nonsense>1", "no run has 'nonsense'"),
    ],
)
def test_bad_filters_get_a_clear_error(three_runs, capsys, where, message):
    assert main(["runs", "--where", where]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_bad_sort_and_limit(three_runs, capsys):
    assert main(["runs", "--sort", "nope"]) == 2
    assert "no run has 'nope'" in capsys.readouterr().err
    assert main(["runs", "--limit", "0"]) == 2
    assert "--limit must be at least 1" in capsys.readouterr().err


def test_conditions_compare_numbers_text_and_booleans():
    entry = {"status": "completed", "summary": {"reached": True, "acc": 0.5}, "config": {}}
    assert parse_condition("acc == 50%").matches(entry)
    assert parse_condition("acc != 0.4").matches(entry)
    assert not parse_condition("status > 1").matches(entry)  # text has no order
    assert parse_condition("status='completed'").matches(entry)
    assert parse_condition("summary.reached == true").matches(entry)
    assert parse_condition("summary.reached == True").matches(entry)  # any case of a boolean
    assert not parse_condition("summary.reached != TRUE").matches(entry)
    assert parse_condition("summary.reached != false").matches(entry)
    assert not parse_condition("missing == 1").matches(entry)
    assert select([entry], [parse_condition("acc<0.6")]) == [entry]


def test_resolve_run_by_path_name_and_prefix(three_runs):
    entries = RunIndex(runs.runs_root()).entries()
    assert resolve_run(str(three_runs[0]), entries) == three_runs[0]
    assert resolve_run("20261124-11", entries) == three_runs[1].resolve()
    with pytest.raises(ConfigError, match="matches 3 runs"):
        resolve_run("2026", entries)
    with pytest.raises(ConfigError, match="no run directory 'zzz'"):
        resolve_run("zzz", entries)


def test_compare_prints_differences_and_writes_a_page(three_runs, tmp_path, capsys):
    page_path = tmp_path / "compare.html"
    argv = ["runs", "compare", "20261124-10", "20261124-11", "--html", str(page_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "settings that differ" in out and "lr" in out and "0.1" in out
    assert "98.00%" in out and "95.00%" in out
    assert out.strip().splitlines()[-1] == str(page_path)
    page = page_path.read_text()
    for anchor in ("runs", "differences", "metrics", "curves"):
        assert f'<section id="{anchor}">' in page
    assert page.count("<img ") == 1 and "data:image/png;base64," in page
    differences = page.split('id="differences"')[1].split("</section>")[0]
    assert "<td>lr</td>" in differences and "<td>dataset</td>" in differences
    assert "model_options.width" not in differences  # the same in both runs


def test_compare_needs_two_finished_runs(three_runs, tmp_path, capsys):
    assert main(["runs", "compare", "20261124-10"]) == 2
    assert "at least two runs" in capsys.readouterr().err
    assert main(["runs", "compare", "20261124-10", str(tmp_path)]) == 2
    assert "not a finished run directory" in capsys.readouterr().err


def test_report_command_finds_a_run_by_name_prefix(three_runs, capsys):
    # (tests/report/test_report_run_report.py rebuilds a real run's page with this command)
    # the fake runs have no outputs file: found by prefix, then refused with the reason
    assert main(["report", "20261124-12"]) == 2
    err = capsys.readouterr().err
    assert str(three_runs[2].resolve()) in err and "outputs.safetensors is missing" in err


def test_report_command_refuses_what_is_not_a_finished_run(tmp_path, capsys):
    (tmp_path / "half").mkdir()
    runs.write_json(tmp_path / "half" / runs.CONFIG_FILE, {"dataset": "digits"})
    assert main(["report", str(tmp_path / "half")]) == 2
    assert "has not finished" in capsys.readouterr().err
    assert main(["report", "no-such-run"]) == 2
    assert "no run directory 'no-such-run'" in capsys.readouterr().err


def test_runs_written_with_the_old_metric_names_answer_to_the_current_ones(tmp_path, capsys):
    """summary.json once held `macro_f1` (now `test_macro_f1`): a run directory written then,
    and an index row recorded then, are found by the current name."""
    import sqlite3

    root = tmp_path / "runs"
    old = fake_run(root, "20261101-100000-digits-mlp", dataset="digits", accuracy=0.9, lr=0.1)
    summary = json.loads((old / runs.SUMMARY_FILE).read_text())
    runs.write_json(old / runs.SUMMARY_FILE, {**summary, "macro_f1": 0.88})
    RunIndex(runs.runs_root()).record(old, {"kind": "train"})  # read from the file: renamed
    stale = fake_run(root, "20261101-110000-digits-mlp", dataset="digits", accuracy=0.8, lr=0.1)
    with sqlite3.connect(root / "index.sqlite") as db:  # a row as the old version stored it
        db.execute(
            "UPDATE runs SET summary = ? WHERE name = ?",
            (json.dumps({**summary, "macro_f1": 0.77}), stale.name),
        )
    assert main(["runs", "--json", "--where", "test_macro_f1>0.8"]) == 0
    assert names(capsys) == [old.name]
    assert main(["runs", "--json", "--where", "test_macro_f1<0.8"]) == 0
    assert names(capsys) == [stale.name]
    assert main(["runs", "compare", str(old), str(stale)]) == 0
    out = capsys.readouterr().out
    assert "│ test_macro_f1 │ 88.00%" in out and "│ macro_f1" not in out


def indexed_run(root: Path, name: str, config: dict, accuracy: float = 0.9) -> Path:
    """A finished-looking run directory with this config.json, indexed."""
    path = root / name
    path.mkdir(parents=True)
    runs.write_json(path / runs.CONFIG_FILE, config)
    summary = {"status": "completed", "test_accuracy": accuracy, "test_loss": 1 - accuracy}
    runs.write_json(path / runs.SUMMARY_FILE, summary)
    RunIndex(runs.runs_root()).record(path, {"kind": "train"})
    time.sleep(0.01)
    return path


def table_rows(out: str) -> dict[str, list[str]]:
    """The rows of `learnlab runs`' table by run name (its cells split on runs of spaces)."""
    import re

    rows = {}
    for line in out.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if cells and (cells[0].startswith("2026") or cells[0] == "run"):
            rows[cells[0]] = cells
    return rows


def test_list_shows_the_settings_that_differ_as_columns(tmp_path, capsys):
    root = tmp_path / "runs"
    base = {"dataset": "digits", "model": "mlp", "model_options": {}, "lr": 0.1, "epochs": 5}
    base |= {"data_root": None, "seed": 0}
    indexed_run(root, "20261124-100000-a", base)
    indexed_run(root, "20261124-110000-b", base | {"lr": 0.01, "model_options": {"width": 128}})
    indexed_run(root, "20261124-120000-c", base | {"epochs": 20, "data_root": "/data"})
    assert main(["runs"]) == 0
    out = capsys.readouterr().out
    rows = table_rows(out)
    # the keys every run has first (config order), then those some lack, then where it ran
    assert rows["run"][4:8] == ["lr", "epochs", "model_options.width", "data_root"]
    assert rows["20261124-100000-a"][4:8] == ["0.1", "5", "-", "none"]
    assert rows["20261124-110000-b"][4:8] == ["0.01", "5", "128", "none"]
    assert rows["20261124-120000-c"][4:8] == ["0.1", "20", "-", "/data"]
    assert "seed" not in rows["run"] and "model" in rows["run"]  # the same in every run
    assert '"-": the run has no such setting' in out
    # one run alone differs from nothing; --where narrows the runs compared
    assert main(["runs", "--where", "lr==0.01"]) == 0
    assert table_rows(capsys.readouterr().out)["run"][4:] == [
        "test acc",
        "test loss",
        "train s",
    ] + ["finished"]


def test_list_caps_the_setting_columns_and_names_the_rest(tmp_path, capsys):
    root = tmp_path / "runs"
    keys = [f"k{i}" for i in range(9)]
    indexed_run(root, "20261124-100000-a", {k: 1 for k in keys})
    indexed_run(root, "20261124-110000-b", {k: 2 for k in keys})
    assert main(["runs"]) == 0
    out = capsys.readouterr().out
    assert table_rows(out)["run"][4:10] == keys[:6]
    assert "3 more settings differ: k6, k7, k8" in out


def test_compare_fills_in_the_defaults_of_options_left_unset(tmp_path, capsys):
    from learnlab.report.compare import config_differences, load_runs

    root = tmp_path / "runs"
    base = {"dataset": "digits", "model": "mlp", "model_options": {}}
    base |= {"optimizer": "adam", "optimizer_options": {}, "schedule": "step"}
    base |= {"schedule_options": {"gamma": 0.5}}
    first = indexed_run(root, "20261124-100000-a", base)
    second = indexed_run(
        root,
        "20261124-110000-b",
        base
        | {"model_options": {"width": 128}, "optimizer_options": {"eps": 1e-6}}
        | {"schedule_options": {}},
    )
    rows = {r["setting"]: r for r in config_differences(load_runs([first, second]))}
    assert set(rows) == {"model_options.width", "optimizer_options.eps", "schedule_options.gamma"}
    assert [rows["model_options.width"][n] for n in (first.name, second.name)] == [256, 128]
    assert [rows["optimizer_options.eps"][n] for n in (first.name, second.name)] == [1e-8, 1e-6]
    assert [rows["schedule_options.gamma"][n] for n in (first.name, second.name)] == [0.5, 0.1]
    assert main(["runs", "compare", first.name, second.name]) == 0
    out = capsys.readouterr().out
    assert "model_options.width" in out and "256" in out and "{}" not in out


def test_the_comparison_page_holds_no_absolute_path_of_the_machine(tmp_path, capsys):
    root = tmp_path / "runs"
    config = {"dataset": "digits", "model": f"{tmp_path / 'nets.py'}:build", "lr": 0.1}
    first = indexed_run(root, "20261124-100000-a", config | {"data_root": str(tmp_path / "d")})
    second = indexed_run(root, "20261124-110000-b", config | {"lr": 0.2})
    (second / runs.REPORT_FILE).write_text("<html></html>")
    page_path = tmp_path / "share" / "compare.html"
    page_path.parent.mkdir()
    assert main(["runs", "compare", first.name, str(second), "--html", str(page_path)]) == 0
    page = page_path.read_text()
    assert str(tmp_path) not in page
    if len(str(Path.home())) > 1:
        assert str(Path.home()) not in page
    assert f"<td>../runs/{first.name}</td>" in page and "<td>../d</td>" in page
    assert f'<a href="../runs/{second.name}/report.html">{second.name}</a>' in page
