"""`learnlab describe [KIND] NAME` and `learnlab list WHAT NAME`: options with types, defaults
and allowed values, the paper, and example commands that run as printed."""

from __future__ import annotations

import json
import shlex

import pytest

from learnlab.cli import main
from learnlab.commands.descriptions import KINDS, describe, names_of


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    monkeypatch.chdir(tmp_path)


def cli(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_describe_a_model(capsys):
    code, out, err = cli(["describe", "mlp"], capsys)
    assert code == 0, err
    assert out.startswith("model mlp\n")
    assert 'Rumelhart, Hinton, Williams (1986), "Learning representations' in out  # its paper
    fits = "diabetes, digits, fashion-mnist, friedman1, mnist, mnist1d, usps"
    assert f"data sets it fits: {fits}" in out
    assert "options (--set model_options.NAME=VALUE):" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.startswith("    ")}
    assert rows["width"][1:3] == ["int", "256"] and rows["depth"][1:3] == ["int", "2"]
    assert "one of: none, batch, layer" in " ".join(rows["norm"])
    assert "learnlab train --dataset digits --model mlp --epochs 1" in out


def test_describe_each_kind(capsys):
    code, out, _ = cli(["describe", "adam"], capsys)
    assert code == 0 and "Kingma & Ba" in out and "betas" in out and "[0.9, 0.999]" in out
    code, out, _ = cli(["describe", "linear"], capsys)
    assert code == 0 and "final_fraction" in out and "total_steps" in out
    code, out, _ = cli(["describe", "mnist"], capsys)  # its citation, shape, the models that fit
    assert code == 0 and "LeCun" in out and "(1, 28, 28)" in out and "lenet5" in out
    code, out, _ = cli(["describe", "lenet5-mnist"], capsys)  # a reproduction: its paper
    assert code == 0 and "Gradient-based learning" in out and "one of: tanh, relu" in out
    code, out, _ = cli(["describe", "he_normal"], capsys)
    assert code == 0 and "He et al. (2015)" in out


def test_a_name_in_two_registries_shows_both_or_the_one_asked_for(capsys):
    code, out, _ = cli(["describe", "char-transformer"], capsys)
    assert code == 0 and "is a model and a recipe" in out
    assert "\nmodel char-transformer\n" in out and "\nrecipe char-transformer\n" in out
    code, out, _ = cli(["describe", "model", "char-transformer"], capsys)
    assert code == 0 and out.startswith("model char-transformer") and "recipe " not in out


def test_names_ignore_case_and_unknown_ones_suggest(capsys):
    code, out, _ = cli(["describe", "MNIST"], capsys)
    assert code == 0 and out.startswith("dataset mnist")
    code, out, err = cli(["describe", "lenet"], capsys)
    assert code == 2 and out == "" and "Did you mean 'lenet5' (a model)?" in err
    code, _, err = cli(["describe", "model", "lenett5"], capsys)
    assert code == 2 and "Did you mean 'lenet5'?" in err


def test_json(capsys):
    code, out, _ = cli(["describe", "lenet5", "--json"], capsys)
    assert code == 0
    (entry,) = json.loads(out)
    assert entry["kind"] == "model" and entry["facts"]["data sets it fits"]
    pool = next(o for o in entry["options"] if o["name"] == "pool")
    assert pool["default"] == "max" and pool["choices"] == ["max", "avg"]


def test_list_with_a_name_describes_it(capsys):
    """It was an argparse error (exit 2) before."""
    code, out, _ = cli(["list", "models", "mlp"], capsys)
    assert code == 0 and out.startswith("model mlp") and "width" in out
    code, _, err = cli(["list", "models", "mlpp"], capsys)
    assert code == 2 and "Did you mean 'mlp'?" in err


def test_list_models_shows_their_options(capsys):
    code, out, _ = cli(["list", "models"], capsys)
    assert code == 0 and "options: depth, width, activation, norm, dropout, bias" in out


EVERY_ENTRY = [(kind, name) for kind in KINDS for name in names_of(kind)]


def test_every_entry_is_described_and_its_examples_run_as_printed(capsys):
    """Each example `learnlab train ...` / `learnlab run ...` line is checked end to end with
    --dry-run: names, options, and the model built on the data set's shape."""
    checked = 0
    for kind, name in EVERY_ENTRY:
        description = describe(kind, name)
        assert description.summary, (kind, name)
        if kind in ("model", "recipe", "dataset"):
            assert description.paper, (kind, name)
        for example in description.examples:
            argv = shlex.split(example.split("#")[0])
            assert argv[0] == "learnlab", example
            if argv[1] not in ("train", "run"):
                continue
            code, _, err = cli([*argv[1:], "--dry-run"], capsys)
            assert code == 0, (example, err)
            checked += 1
    assert checked >= len(EVERY_ENTRY)
