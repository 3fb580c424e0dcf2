"""The few-shot recipe: prototypical, Siamese and MAML models trained on digits 0-4 and tested
on unseen 5-9 in 5-way 1- and 5-shot episodes and Koch et al.'s 10-way one-shot protocol,
beside 1-NN in pixels, over 3 seeds with a table and a figure; bad settings exit 2."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from learnlab.cli import main
from learnlab.data.episodes import make_episode
from learnlab.objectives.maml import MAMLLoss
from learnlab.recipes.few_shot.config import FewShotConfig
from learnlab.recipes.few_shot.evaluation import draw_test_episodes, maml_accuracy
from learnlab.recipes.runner import run_recipe

NAME = "few-shot"
SETTINGS = ("5way_1shot", "5way_5shot", "10way_1shot_koch")

pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def test_quick_run_compares_every_method_with_pixels_over_three_seeds(tmp_path, quick_run_copy):
    published = quick_run_copy(NAME, tmp_path / "run")
    summary, result = published.summary, published.result
    assert summary["seeds"] == 3
    for setting in SETTINGS:
        assert 0.0 <= summary[f"pixels_{setting}_accuracy"] <= 1.0
        for method in ("prototypical", "siamese"):
            assert 0.0 <= summary[f"{method}_{setting}_accuracy"] <= 1.0
            assert summary[f"{method}_{setting}_ci95"] > 0  # an interval over episodes
            assert summary[f"{method}_{setting}_std"] is not None  # a spread over seeds
    assert "maml_5way_1shot_accuracy" in summary and "maml_10way_1shot_koch_accuracy" not in summary
    (rows,) = result.tables.values()
    methods = [r["method"] for r in rows]
    assert methods[:4] == ["1-NN in pixels", "prototypical network", "Siamese network", "MAML"]
    assert rows[-2]["10-way 1-shot, all digits (Koch)"] == "70.3%"  # Koch et al. 2015
    assert rows[-1]["10-way 1-shot, all digits (Koch)"] == "26.5%"
    # the published figures say where they were checked (their Table 3, section 4.4)
    assert any("Table 3" in note and "section 4.4" in note for note in result.notes)
    (figure,) = result.figures
    assert [len(v) for v in figure.data["values"][1]] == [3, 3, 3]  # 3 seeds per setting
    assert any("Target" in note for note in result.notes)
    assert (tmp_path / "run" / "report.html").is_file()


@pytest.mark.parametrize(
    ("setting", "named"),
    [
        ("test_shots=[2000]", "has"),  # more shots than a test class has
        ("train_digits=[0,1,5]", "share"),
        ("test_way=6", "test_way"),
        ('methods=["knn"]', "methods"),
        ("train_way=30", "train_way"),
    ],
)
def test_bad_settings_exit_2_saying_what_to_change(tmp_path, capsys, data_root, setting, named):
    args = ["run", NAME, "--run-dir", str(tmp_path / "x"), "--set", setting]
    args += ["--set", f"data_root={data_root}", "--set", "download=false", "--set", "seeds=1"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert named in err and "Traceback" not in err


def test_more_shots_than_a_class_has_names_its_count(tmp_path, capsys, quick):
    from learnlab.io.errors import ConfigError

    with pytest.raises(ConfigError, match=r"class \d has \d+ examples"):
        run_recipe(NAME, quick(NAME, test_shots=[500]), run_dir=tmp_path / "run")


def test_the_defaults_train_on_0_to_4_and_test_5_to_9_over_1000_episodes_and_3_seeds():
    config = FewShotConfig()
    assert (config.train_digits, config.test_digits) == ([0, 1, 2, 3, 4], [5, 6, 7, 8, 9])
    assert (config.test_way, config.test_shots, config.test_episodes) == (5, [1, 5], 1000)
    assert config.seeds >= 3 and config.koch_episodes > 0


def test_maml_is_tested_with_each_batch_statistics_and_leaves_the_model_as_it_was():
    # Finn et al. normalise with each batch's statistics at test time too; the running
    # averages (here (0, 1), far from the data's) would give other answers
    torch.manual_seed(0)
    pool = torch.randn(40, 6) * 3 + 5
    labels = torch.arange(4).repeat_interleave(10)
    model = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3)).eval()
    before = copy.deepcopy(model.state_dict())
    episodes = draw_test_episodes(labels, [0, 1, 2, 3], 3, 1, 4, episodes=20, seed=0)
    objective = MAMLLoss(inner_lr=0.5, inner_steps=2)

    measured = maml_accuracy(model, objective, pool, episodes)

    by_hand = copy.deepcopy(model).train()
    expected = []
    for support, query in zip(episodes.support, episodes.query, strict=True):
        episode = make_episode(pool, support, query, ())
        logits = objective.query_logits(by_hand, episode)
        expected.append((logits.argmax(1) == episode.query_labels).double().mean())
    assert torch.equal(measured, torch.stack(expected))
    assert not model.training  # the caller's mode, weights and running averages are untouched
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())
