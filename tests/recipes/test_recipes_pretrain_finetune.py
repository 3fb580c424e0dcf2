"""pretrain-finetune: the quick run gives the table, figure and spreads over seeds for both
methods and label budgets; bad label budgets are refused (Python API and CLI, exit 2)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from learnlab.io.errors import ConfigError
from learnlab.recipes import get_recipe
from learnlab.recipes.runner import run_recipe


def test_quick_run_compares_pretrained_with_scratch(tmp_path, isolated_one_thread):
    recipe = get_recipe("pretrain-finetune")
    published = run_recipe("pretrain-finetune", dict(recipe.quick), run_dir=tmp_path / "run")
    summary, result = published.summary, published.result
    for count in (20, 100):
        for method in ("from_scratch", "pre_trained_encoder"):
            key = f"{method}_{count}_labels_test_error"
            assert 0 <= summary[key] <= 1
            assert summary[f"{key}_min"] <= summary[key] <= summary[f"{key}_max"]
            assert f"{key}_std" in summary  # two seeds: a spread
    (rows,) = result.tables.values()
    assert len(rows) == 4 and {r["method"] for r in rows} == {"from scratch", "pre-trained encoder"}
    assert result.figures and "not done yet" in " ".join(result.notes)
    page = (published.run_dir / "report.html").read_text()
    assert "test error against the number of labels" in page and "data:image/png" in page


@pytest.mark.parametrize(
    "overrides, named",
    [
        ({"label_counts": [15]}, "label_counts"),
        ({"label_counts": []}, "label_counts"),
        ({"unlabelled_size": 50, "label_counts": [100]}, "unlabelled_size"),
        ({"frozen_layers": 3}, "frozen_layers"),
    ],
)
def test_bad_label_budgets_are_refused(overrides, named):
    with pytest.raises((ConfigError, ValueError), match=named):
        get_recipe("pretrain-finetune").config_class.model_validate(overrides)


def test_cli_bad_label_budget_exits_2_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "learnlab", "run", "pretrain-finetune", "--set", "label_counts=[15]",
         "--run-dir", str(tmp_path / "run")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "label_counts" in proc.stderr and "Traceback" not in proc.stderr
