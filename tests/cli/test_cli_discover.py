"""What a newcomer's mistakes meet: every unknown name or key suggests the closest one, data
set names ignore case, a model that does not fit the data set says which ones do (at a dry run
and at run time), and `--dry-run` prints the options' defaults."""

from __future__ import annotations

import json

import pytest

from learnlab.cli import main

TRAIN = ["train", "--set", "progress=false"]


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    monkeypatch.chdir(tmp_path)


def cli(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


SUGGESTIONS = {
    "model": (TRAIN + ["--model", "lenet"], "Did you mean 'lenet5'?"),
    "config key from another library": (TRAIN + ["--set", "learning_rate=0.1"], "'lr'"),
    "misspelt config key": (TRAIN + ["--set", "epoch=3"], "Did you mean 'epochs'?"),
    "optimizer": (TRAIN + ["--optimizer", "adamm"], "Did you mean 'adam'?"),
    "schedule": (TRAIN + ["--set", "schedule=cosin"], "Did you mean 'cosine'?"),
    "init": (TRAIN + ["--set", "init=he_norml"], "Did you mean 'he_normal'?"),
    "data set": (TRAIN + ["--dataset", "mnist-1d"], "Did you mean 'mnist1d'?"),
    "optimizer option": (TRAIN + ["--set", "optimizer_options.beta=1"], "Did you mean 'betas'?"),
    "schedule option": (
        TRAIN + ["--set", "schedule=linear", "--set", "schedule_options.tua=3"],
        "Did you mean 'tau'?",
    ),
    "recipe": (["run", "quickstrat"], "Did you mean 'quickstart'?"),
    "recipe config key": (["run", "lenet5-mnist", "--set", "epoch=3"], "Did you mean 'epochs'?"),
}


@pytest.mark.parametrize("case", sorted(SUGGESTIONS))
def test_unknown_names_and_keys_suggest_the_closest(case, capsys):
    argv, suggestion = SUGGESTIONS[case]
    code, out, err = cli([*argv, "--dry-run"], capsys)
    assert code == 2 and out == "", err
    assert suggestion in err and "Traceback" not in err


@pytest.mark.parametrize("given", ["MNIST", "Fashion_MNIST", "DIGITS"])
def test_data_set_names_ignore_case_and_are_stored_canonical(given, capsys):
    code, out, err = cli([*TRAIN, "--dataset", given, "--model", "mlp", "--dry-run"], capsys)
    assert code == 0, err
    assert json.loads(out)["dataset"] == given.lower().replace("_", "-")


def test_the_dry_run_fills_in_the_defaults_of_the_options(capsys):
    argv = [*TRAIN, "--dataset", "digits", "--model", "mlp", "--set", "model_options.width=32"]
    argv += ["--set", "schedule=linear", "--dry-run"]
    code, out, err = cli(argv, capsys)
    assert code == 0, err
    config = json.loads(out)
    assert config["model_options"] == {
        "depth": 2, "width": 32, "activation": "relu", "norm": "none", "dropout": 0.0,
        "bias": True,
    }  # fmt: skip
    assert config["optimizer_options"] == {"betas": [0.9, 0.999], "eps": 1e-8, "amsgrad": False}
    # tau's default is the run's number of steps: left to the run
    assert config["schedule_options"] == {"final_fraction": 0.01, "warmup_steps": 0}


def test_a_recipe_dry_run_fills_in_its_models_defaults(capsys):
    code, out, err = cli(["run", "learning-curve", "--dry-run"], capsys)
    assert code == 0, err
    config = json.loads(out)
    assert config["model"] == "mlp" and config["model_options"]["width"] == 256  # the recipe's
    assert config["model_options"]["activation"] == "relu"  # the model's default, filled in


MISMATCH = ["--dataset", "tiny-shakespeare", "--model", "lenet5", "--epochs", "1"]


def test_a_model_that_does_not_fit_the_data_says_which_do_at_a_dry_run(capsys):
    code, out, err = cli([*TRAIN, *MISMATCH, "--dry-run"], capsys)
    assert code == 2 and out == ""
    assert "model 'lenet5' does not fit data set 'tiny-shakespeare'" in err
    assert "char-transformer (learnlab run char-transformer)" in err
    assert "Data sets lenet5 fits: fashion-mnist, mnist, usps." in err
    assert "non-empty tuple" not in err
    code, _, err = cli([*TRAIN, "--dataset", "mnist1d", "--model", "lenet5", "--dry-run"], capsys)
    assert code == 2
    assert "Models that fit mnist1d: gru, lstm, mlp, moe-mlp, rnn, transformer-classifier" in err


def test_a_model_that_does_not_fit_the_data_says_which_do_at_run_time(tmp_path, capsys, data_root):
    argv = [*TRAIN, *MISMATCH, "--run-dir", str(tmp_path / "run")]
    code, out, err = cli([*argv, "--set", f"data_root={data_root}"], capsys)
    assert code == 2 and out == ""
    assert "model 'lenet5' does not fit data set 'tiny-shakespeare'" in err
    assert "char-transformer" in err and "Traceback" not in err
    assert not (tmp_path / "run").exists()


def test_a_model_that_is_not_a_classifier_names_its_recipe_instead_of_a_traceback(capsys):
    """It passed the dry run and failed in the loss with a RuntimeError before."""
    argv = [*TRAIN, "--dataset", "digits", "--model", "autoencoder", "--dry-run"]
    code, _, err = cli(argv, capsys)
    assert code == 2 and "learnlab run autoencoders" in err
    assert "Models that fit digits: gru, lstm, mlp" in err
