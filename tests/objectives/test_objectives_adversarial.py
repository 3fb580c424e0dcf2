"""Adversarial training (learnlab.objectives.adversarial): the loss is
alpha J(x) + (1 - alpha) J(x_adv) with x_adv the FGSM (or PGD) example of the current model;
`learnlab train --set adversarial.attack=fgsm` trains with it, in the model's input units;
bad settings are ConfigErrors, exit 2 from the CLI."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from learnlab.cli import main
from learnlab.config import TrainConfig
from learnlab.io.errors import ConfigError
from learnlab.objectives.adversarial import AdversarialTraining, with_adversarial_training
from learnlab.objectives.supervised import CrossEntropy


def model_and_batch():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 3)).double()
    x = torch.rand(12, 5, dtype=torch.float64)
    return model, (x, torch.randint(0, 3, (12,)))


def fgsm_by_hand(model, x, y, eps, low=0.0, high=1.0):
    z = x.clone().requires_grad_(True)
    (gradient,) = torch.autograd.grad(F.cross_entropy(model(z), y), z)
    return (x + eps * gradient.sign()).clamp(low, high)


@pytest.mark.parametrize("alpha", [0.0, 0.5, 0.8, 1.0])
def test_the_training_loss_is_the_mixture_of_clean_and_fgsm_losses(alpha):
    model, (x, y) = model_and_batch()
    objective = AdversarialTraining(CrossEntropy(), attack="fgsm", eps=0.2, alpha=alpha)
    loss, metrics = objective(model, (x, y))
    adversarial = fgsm_by_hand(model, x, y, 0.2)
    expected = alpha * F.cross_entropy(model(x), y) + (1 - alpha) * F.cross_entropy(
        model(adversarial), y
    )
    assert torch.allclose(loss, expected, rtol=0, atol=1e-12)
    assert torch.allclose(metrics["adversarial_loss"], F.cross_entropy(model(adversarial), y))
    assert "accuracy" in metrics
    # the loss trains the weights through both terms, and making x_adv left no gradient behind
    assert all(p.grad is None for p in model.parameters())
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())


def test_pgd_examples_stay_in_the_ball_and_the_box_in_the_models_units():
    model, (x, y) = model_and_batch()
    low, high = -0.5, 2.0  # a normalised image's box
    x = x * 2.5 - 0.5
    objective = AdversarialTraining(
        CrossEntropy(), attack="pgd", eps=0.3, steps=5, low=low, high=high
    )
    adversarial = objective.examples(model, (x, y))
    assert objective.step_size == pytest.approx(2.5 * 0.3 / 5)
    assert (adversarial - x).abs().max() <= 0.3 + 1e-12
    assert adversarial.min() >= low and adversarial.max() <= high
    assert F.cross_entropy(model(adversarial), y) > F.cross_entropy(model(x), y)


def test_the_train_settings_map_pixel_units_to_the_normalised_inputs():
    config = TrainConfig(adversarial={"attack": "fgsm", "eps": 0.25})
    assert config.adversarial["alpha"] == 0.5 and config.adversarial["norm"] == "inf"
    objective = with_adversarial_training(CrossEntropy(), config.adversarial, mean=0.2, std=0.4)
    assert isinstance(objective, AdversarialTraining)
    assert objective.eps == pytest.approx(0.25 / 0.4)
    assert (objective.low, objective.high) == pytest.approx((-0.5, 2.0))
    plain = CrossEntropy()
    assert with_adversarial_training(plain, TrainConfig().adversarial, mean=0, std=1) is plain
    off = TrainConfig(adversarial={"attack": "none"}).adversarial
    assert with_adversarial_training(plain, off, mean=0, std=1) is plain


@pytest.mark.parametrize(
    ("settings", "word"),
    [
        ({"attack": "fgsm", "eps": -0.1}, "eps"),
        ({"attack": "cw"}, "attack"),
        ({"alpha": 1.5}, "alpha"),
        ({"steps": 0}, "steps"),
        ({"atack": "fgsm"}, "atack"),
    ],
)
def test_bad_settings_are_config_errors_naming_them(settings, word):
    with pytest.raises(ConfigError, match=word):
        TrainConfig(adversarial=settings)
    if word != "atack":  # the objective's own checks (a Python caller's unknown keyword is a
        with pytest.raises(ConfigError, match=word):  # TypeError, as for any function)
            AdversarialTraining(CrossEntropy(), **settings)


def test_learnlab_train_trains_adversarially(tmp_path, data_root, capsys):
    run_dir = tmp_path / "run"
    argv = ["train", "--dataset", "digits", "--model", "mlp", "--epochs", "1"]
    argv += ["--set", f"data_root={json.dumps(str(data_root))}", "--run-dir", str(run_dir)]
    argv += ["--set", "adversarial.attack=fgsm", "--set", "adversarial.eps=0.25"]
    argv += ["--set", "progress=false", "--set", "baselines=false"]
    assert main(argv) == 0
    (record,) = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert record["train_adversarial_loss"] > record["train_loss"] > 0
    config = json.loads((run_dir / "config.json").read_text())
    assert config["adversarial"]["attack"] == "fgsm" and config["adversarial"]["eps"] == 0.25


@pytest.mark.parametrize("setting", ["adversarial.eps=-1", "adversarial.attak=fgsm"])
def test_bad_adversarial_settings_exit_2_without_a_traceback(setting, capsys):
    argv = ["train", "--dataset", "digits", "--model", "mlp", "--dry-run", "--set", setting]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and setting.split("=")[0] in err
