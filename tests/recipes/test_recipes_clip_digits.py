"""The clip-digits recipe: captions from templates (held-out digits never captioned), a quick
run reporting zero-shot accuracy by name and by description over >= 3 seeds with chance, and
bad settings exiting 2."""

from __future__ import annotations

import pytest
import torch

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes.clip_digits.captions import (
    all_captions,
    description_caption,
    name_captions,
    tokenize,
    vocabulary,
)
from learnlab.recipes.clip_digits.config import ClipDigitsConfig
from learnlab.recipes.clip_digits.training import caption_pairs

NAME = "clip-digits"
pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def test_captions_name_the_digit_or_describe_its_segments_and_tokenize_with_padding():
    assert name_captions(7)[:2] == ["a photo of the digit seven", "a handwritten 7"]
    assert description_caption(1) == "a digit lit on segments upper-right lower-right"
    words = vocabulary()
    assert min(words.values()) == 1 and "seven" in words and "upper-right" in words
    tokens = tokenize(["a handwritten 7", "the number seven"], words)
    assert tokens.shape == (2, 3) and tokens[0].tolist() == [
        words[w] for w in ["a", "handwritten", "7"]
    ]


def test_training_pairs_hold_only_seen_digits_captions():
    labels = torch.tensor([0, 1, 0])
    images = torch.arange(3.0).reshape(3, 1, 1, 1)
    paired_images, tokens = caption_pairs(images, labels, draws=4, words=vocabulary(), seed=0)
    assert len(paired_images) == len(tokens) == 12
    inverse = {i: w for w, i in vocabulary().items()}
    for image, row in zip(paired_images, tokens, strict=True):
        caption = " ".join(inverse[int(i)] for i in row if i != 0)
        assert caption in all_captions(int(labels[int(image.item())]))


def test_quick_run_reports_zero_shot_accuracies_with_chance_over_seeds(tmp_path, quick_run_copy):
    published = quick_run_copy(NAME, tmp_path / "clip")
    summary = published.summary
    assert summary["seeds"] == 3 and summary["held_out"] == [2, 7]
    assert summary["chance_held_out_by_description"] == 0.5
    assert summary["chance_seen_accuracy"] == pytest.approx(1 / 8)
    for key in ("seen_accuracy", "held_out_by_name", "held_out_by_description", "all_by_name"):
        assert 0 <= summary[f"{key}_min"] <= summary[key] <= summary[f"{key}_max"] <= 1
    table = next(iter(published.result.tables.values()))
    assert [row["chance"] for row in table] == ["12.5%", "50.0%", "50.0%", "10.0%"]
    assert published.result.figures and (tmp_path / "clip" / "report.html").exists()


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"held_out": [2]}, "held_out"),
        ({"held_out": [2, 2]}, "distinct"),
        ({"held_out": [2, 11]}, "distinct"),
        # lower-left is lit by 0, 2, 6, 8 only: no seen caption would teach that word
        ({"held_out": [0, 2, 6, 8]}, "lower-left"),
        ({"batch_size": 1}, "batch_size"),
    ],
)
def test_bad_settings_are_config_errors_naming_the_setting(data, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(ClipDigitsConfig, data)


def test_bad_settings_from_the_cli_exit_2_without_a_traceback(tmp_path, capsys):
    argv = ["run", NAME, "--run-dir", str(tmp_path / "x")]
    assert main([*argv, "--set", "held_out=[0,2,6,8]"]) == 2
    err = capsys.readouterr().err
    assert "lower-left" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()
