"""The fgsm reproduction (Goodfellow, Shlens & Szegedy 2015): three training parts and the
attacks, the targets in the summary, the paper-vs-measured table, the figures, and bad
settings refused with exit 2. The default configuration's targets are the slow test."""

from __future__ import annotations

import json

import pytest

from learnlab.cli import main
from learnlab.recipes import get_recipe
from learnlab.recipes.fgsm.config import MODELS, FgsmConfig
from learnlab.recipes.reproduce import TABLE_NAME

NAME = "fgsm"


pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def reproduce(run_dir, data_root, *flags: str) -> dict:
    """`learnlab reproduce fgsm` with `flags`; its summary.json."""
    data = ["--set", f"data_root={json.dumps(str(data_root))}", "--set", "download=false"]
    argv = ["reproduce", NAME, *flags, "--run-dir", str(run_dir), *data, "--set", "progress=false"]
    assert main(argv) == 0
    return json.loads((run_dir / "summary.json").read_text())


def test_the_runs_are_learnlab_train_configs_and_only_one_is_adversarial():
    trains = get_recipe(NAME).train_configs(FgsmConfig())
    assert [t.model_options for t in trains] == [
        {"depth": 0},
        {"depth": 2, "width": 240},
        {"depth": 2, "width": 240},
    ]
    assert [t.adversarial.get("attack") for t in trains] == [None, None, "fgsm"]
    assert trains[2].adversarial["eps"] == 0.25 and trains[2].adversarial["alpha"] == 0.5
    assert all(t.val_fraction == 0 and t.dataset == "mnist" for t in trains)


def test_quick_run_attacks_every_model_and_reports_the_targets(tmp_path, data_root):
    run_dir = tmp_path / "fgsm"
    summary = reproduce(run_dir, data_root, "--quick")
    for key in MODELS:
        assert (run_dir / key / "summary.json").is_file()
        assert 0 <= summary[f"{key}_clean_error"] <= 100
        # an attack at eps = 0 changes nothing: the first point of the curve is the clean error
        assert summary[f"{key}_fgsm_error_curve"][0] == summary[f"{key}_clean_error"]
        assert summary[f"{key}_fgsm_error"] == summary[f"{key}_fgsm_error_curve"][-1]
        assert summary[f"{key}_fgsm_error"] >= summary[f"{key}_clean_error"]
    assert summary["targets_met"] == (
        summary["target_softmax_error"]
        and summary["target_halved"]
        and summary["target_clean_rise"]
    )
    tables = json.loads((run_dir / "tables.json").read_text())
    assert len(tables["FGSM on the test set"]) == 3
    assert len(tables[TABLE_NAME]) == len(get_recipe(NAME).reproduction.claims)
    page = (run_dir / "report.html").read_text()
    assert "clean and adversarial test images" in page and "against the attack" in page


@pytest.mark.parametrize(
    ("setting", "word"),
    [("eps=-0.1", "eps"), ("alpha=2", "alpha"), ("eps_curve=[0.1, 1.5]", "eps_curve")],
)
def test_bad_settings_exit_2_without_a_traceback(setting, word, capsys):
    assert main(["run", NAME, "--dry-run", "--set", setting]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and word in err


@pytest.mark.slow
def test_the_default_configuration_meets_the_targets(tmp_path, data_root):
    summary = reproduce(tmp_path / "full", data_root)
    assert summary["softmax_fgsm_error"] >= 90
    assert summary["adversarial_fgsm_error"] <= summary["network_fgsm_error"] / 2
    assert summary["adversarial_clean_error"] - summary["network_clean_error"] <= 0.3
