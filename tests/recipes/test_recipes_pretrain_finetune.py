"""pretrain-finetune: the quick run gives the table, figure and spreads over seeds for both
parts, methods and label budgets; part (b)'s speaker lines are parsed and split so that no test
line reaches pre-training; its classifier pools a padded line as the line alone; bad label
budgets, speaker counts and parts are refused (Python API and CLI, exit 2)."""

from __future__ import annotations

import copy
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
    assert result.figures and "not done yet" not in " ".join(result.notes)
    page = (published.run_dir / "report.html").read_text()
    assert "test error against the number of labels" in page and "data:image/png" in page
    # part (b): three methods per label budget with spreads, beside the majority class
    for count in (10, 50):
        for method in ("from_scratch", "pretrained", "ngram"):
            key = f"speakers_{method}_{count}_labels_test_accuracy"
            assert 0 <= summary[key] <= 1 and f"{key}_std" in summary
    assert summary["speakers_names"].split(", ")[:2] == ["DUKE VINCENTIO", "GLOUCESTER"]
    assert 0.2 < summary["speakers_majority_test_accuracy"] < 0.3
    speakers = result.parts["speakers"]
    (rows,) = speakers.tables.values()
    assert len(rows) == 8 and rows[-1]["method"].startswith("majority class")
    assert "speaker test accuracy against the number of labelled lines" in page
    assert any(note.startswith("Part (b): with 10 labelled lines") for note in result.notes)


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


SPEECHES = """ANNE:
One.
Two.

BOB:
Three.

ANNE:
Four.
Five.

CAROL:
Six.

BOB:
Seven.
Eight.
"""


def test_speaker_lines_are_split_so_that_pretraining_never_reads_a_test_line():
    from learnlab.recipes.pretrain_finetune.speaker_data import split_speakers

    split = split_speakers(SPEECHES, speakers=2, test_fraction=0.34)
    assert split.speakers == ["ANNE", "BOB"]  # 4 and 3 lines; CAROL's one line is left out
    # the last third of each one's lines, in the order of the text, are the test set
    assert [(x.speaker, x.text) for x in split.test] == [("ANNE", "Five."), ("BOB", "Eight.")]
    assert [(x.speaker, x.text) for x in split.pool] == [
        ("ANNE", "One."), ("ANNE", "Two."), ("ANNE", "Four."), ("BOB", "Three."),
        ("BOB", "Seven."),
    ]  # fmt: skip
    assert {x.number for x in split.test}.isdisjoint({x.number for x in split.pool})
    kept = split.pretrain_text.splitlines()
    assert "Five." not in kept and "Eight." not in kept
    assert kept == [line for line in SPEECHES.splitlines() if line not in ("Five.", "Eight.")]


def test_balanced_lines_and_their_encoding():
    from learnlab.data.words import SpokenLine
    from learnlab.recipes.pretrain_finetune import speaker_data as sd

    split = sd.split_speakers(SPEECHES, speakers=2, test_fraction=0.34)
    lines = sd.balanced_lines(split.pool, split.speakers, count=4, seed=0)
    assert [x.speaker for x in lines] == ["ANNE", "ANNE", "BOB", "BOB"]
    assert sd.speaker_labels(lines, split.speakers).tolist() == [0, 0, 1, 1]
    with pytest.raises(ConfigError, match="speaker_label_counts holds 6: 3 labelled lines"):
        sd.balanced_lines(split.pool, split.speakers, count=6, seed=0)
    vocab = sorted(set(SPEECHES))
    ids = sd.encode_lines([SpokenLine("BOB", "Four."), SpokenLine("BOB", "Seven.")], vocab, 6)
    assert ids[0, :5].tolist() == [vocab.index(c) for c in "Four."]
    assert ids[0, 5:].tolist() == [len(vocab)]  # padded with the id after the vocabulary
    assert ids[1].tolist() == [vocab.index(c) for c in "Seven."]
    assert sd.encode_lines([SpokenLine("BOB", "Seven.")], vocab, 3)[0].tolist() == [
        vocab.index(c) for c in "Sev"
    ]  # cut to the context


def test_classifier_pools_a_padded_line_as_the_line_alone():
    import torch

    from learnlab.models import build_model
    from learnlab.recipes.pretrain_finetune.speaker_model import SpeakerClassifier

    torch.manual_seed(0)
    body = build_model("char-transformer", (8,), 5, dim=8, depth=1, heads=2)
    model = SpeakerClassifier(body, dim=8, speakers=3, pad=5).eval()
    line = torch.tensor([[1, 4, 2]])
    padded = torch.tensor([[1, 4, 2, 5, 5, 5, 5, 5]])
    with torch.no_grad():
        alone = model.head(model.body(line).mean(dim=1))
        assert torch.allclose(model(padded), alone, atol=1e-6)
        # the padding is masked, not read as character 0
        assert not torch.allclose(model(padded), model(torch.tensor([[1, 4, 2, 0, 0, 0, 0, 0]])))


@pytest.mark.parametrize(
    "overrides, named",
    [
        ({"speakers": 1}, "speakers: Input should be greater than or equal to 2"),
        ({"parts": ["speakers", "jokes"]}, "parts.1: Input should be 'denoising' or 'speakers'"),
        ({"parts": []}, "parts is empty"),
        ({"speakers": 5, "speaker_label_counts": [52]}, "52: each count must be a multiple of"),
        (
            {"parts": ["speakers"], "speaker_label_counts": [5000]},
            "speaker_label_counts holds 5000: 1000 labelled lines per speaker",
        ),
    ],
)
def test_bad_speaker_settings_are_refused(overrides, named, tmp_path, isolated_one_thread):
    settings = {**get_recipe("pretrain-finetune").quick, **overrides}
    with pytest.raises(ConfigError, match=named):
        run_recipe("pretrain-finetune", settings, run_dir=tmp_path / "run")


def test_cli_bad_label_budget_exits_2_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "learnlab", "run", "pretrain-finetune", "--set", "label_counts=[15]",
         "--run-dir", str(tmp_path / "run")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "label_counts" in proc.stderr and "Traceback" not in proc.stderr


def test_cli_too_few_speakers_exits_2_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "learnlab", "run", "pretrain-finetune", "--set", "speakers=1",
         "--run-dir", str(tmp_path / "run")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "speakers: Input should be greater than or equal to 2" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("probe", [True, False])
def test_linear_probe_trains_the_head_alone(probe):
    import torch

    from learnlab.recipes.pretrain_finetune import speakers
    from learnlab.recipes.pretrain_finetune.config import PretrainFinetuneConfig

    config = PretrainFinetuneConfig(
        lm_dim=8, lm_heads=2, lm_depth=1, speaker_context=8, speakers=2,
        speaker_label_counts=[4], speaker_epochs=2, speaker_linear_probe=probe,
    )  # fmt: skip
    vocab = list("abcde")
    model = speakers.classifier(speakers.fresh_body(config, vocab, 0), config, vocab, 0)
    body, head = copy.deepcopy(model.body.state_dict()), model.head.weight.clone()
    x = torch.randint(0, 6, (8, 8))
    y = torch.tensor([0, 1] * 4)
    data = {"x_train": x, "y_train": y, "x_test": x, "y_test": y}
    assert 0 <= speakers.fine_tuned_accuracy(model, config, data, seed=0) <= 1
    unchanged = [torch.equal(v, model.body.state_dict()[k]) for k, v in body.items()]
    assert all(unchanged) if probe else not any(unchanged[:2])
    assert not torch.equal(head, model.head.weight)
