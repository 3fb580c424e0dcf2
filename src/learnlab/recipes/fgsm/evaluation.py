"""The fgsm recipe's attacks: each trained model against FGSM on the MNIST test set, in pixel
units (images in [0, 1], where the paper's eps = 0.25 is a quarter of the range)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from learnlab.recipes.fgsm.config import MODELS, FgsmConfig
from learnlab.result import FigureSpec, Result


class FromPixels(nn.Module):
    """`model` on pixels in [0, 1]: standardised as it was trained, (x - mean) / std, first, so
    that the attack's box and budget are the paper's."""

    def __init__(self, model: nn.Module, mean: float, std: float) -> None:
        super().__init__()
        self.model, self.mean, self.std = model, float(mean), float(std)

    def forward(self, x: Tensor) -> Tensor:
        return self.model((x - self.mean) / self.std)


@dataclass
class PixelData:
    """The test images in [0, 1] and their labels; the training normalisation."""

    x: Tensor
    y: Tensor
    mean: float
    std: float


def load_test_pixels(config: FgsmConfig) -> PixelData:
    from learnlab.data import load_dataset

    ds = load_dataset("mnist", root=config.data_root, download=config.download)
    n = len(ds.test) if config.limit_test is None else min(config.limit_test, len(ds.test))
    x = ds.test.x[:n].to(torch.float32) / ds.scale
    return PixelData(x, ds.test.y[:n], ds.mean, ds.std)


def fgsm_in_batches(model: nn.Module, x: Tensor, y: Tensor, eps: float) -> Tensor:
    """FGSM of each batch of 1,000 images (the loss the mean over its batch, as in training)."""
    from learnlab.analysis.adversarial.gradient import fgsm

    return torch.cat(
        [fgsm(model, x[i : i + 1000], y[i : i + 1000], eps) for i in range(0, len(x), 1000)]
    )


@torch.no_grad()
def probabilities(model: nn.Module, x: Tensor) -> Tensor:
    model.eval()
    return torch.cat([model(x[i : i + 1000]).softmax(dim=1) for i in range(0, len(x), 1000)])


def error_percent(model: nn.Module, x: Tensor, y: Tensor) -> float:
    """The test error, read by predicting `x` again (`attack_success`)."""
    from learnlab.analysis.adversarial.success import attack_success

    return 100.0 * float(attack_success(model, x, y).double().mean())


def wrong_confidence_percent(model: nn.Module, x: Tensor, y: Tensor) -> float:
    """The mean probability the model gives its own (wrong) answer over the examples it gets
    wrong: the paper's "average confidence"."""
    probs = probabilities(model, x)
    wrong = probs.argmax(dim=1) != y
    return 100.0 * float(probs.max(dim=1).values[wrong].double().mean()) if wrong.any() else 0.0


def attack_models(models: dict[str, nn.Module], data: PixelData, config: FgsmConfig) -> Result:
    """Every model attacked at `eps` (error, confidence of its mistakes) and along `eps_curve`;
    the tables, the figures and the summary keys `<model>_clean_error`, `_fgsm_error`,
    `_fgsm_confidence` (percent) and `_fgsm_error_curve`."""
    from learnlab.recipes.fgsm.figures import examples_figure
    from learnlab.report.figures import line_figure

    summary: dict[str, Any] = {"eps": config.eps, "eps_curve": list(config.eps_curve)}
    attacked: dict[str, Tensor] = {}
    for key, trained in models.items():
        model = FromPixels(trained, data.mean, data.std)
        attacked[key] = fgsm_in_batches(model, data.x, data.y, config.eps)
        summary[f"{key}_clean_error"] = error_percent(model, data.x, data.y)
        summary[f"{key}_fgsm_error"] = error_percent(model, attacked[key], data.y)
        summary[f"{key}_fgsm_confidence"] = wrong_confidence_percent(model, attacked[key], data.y)
        summary[f"{key}_fgsm_error_curve"] = [
            error_percent(model, fgsm_in_batches(model, data.x, data.y, e), data.y)
            for e in config.eps_curve
        ]
    pixel_models = {k: FromPixels(m, data.mean, data.std) for k, m in models.items()}
    return Result(
        kind="fgsm-attacks",
        title=f"FGSM at eps = {config.eps:g} on {len(data.x):,} MNIST test images",
        summary=summary,
        tables={"FGSM on the test set": _rows(summary, models)},
        figures=[
            FigureSpec(
                "clean and adversarial test images",
                examples_figure,
                examples_figure_data(pixel_models, data, attacked, config.figure_examples),
                caption=(
                    f"Top row: test images and the network's answer (probability); below: "
                    f"each model's FGSM images at eps = {config.eps:g} and its answer to them."
                ),
            ),
            FigureSpec(
                "test error against the attack's budget",
                line_figure,
                {
                    "series": {
                        MODELS[k]: [list(config.eps_curve), summary[f"{k}_fgsm_error_curve"]]
                        for k in models
                    },
                    "xlabel": "eps (pixel units, images in [0, 1])",
                    "ylabel": "test error under FGSM (%)",
                    "markers": True,
                },
            ),
        ],
    )


def _answers(model: nn.Module, x: Tensor) -> list[str]:
    probs = probabilities(model, x)
    best = probs.max(dim=1)
    return [
        f"{int(c)} ({100 * float(p):.0f}%)" for p, c in zip(best.values, best.indices, strict=True)
    ]


def examples_figure_data(
    models: dict[str, nn.Module], data: PixelData, attacked: dict[str, Tensor], count: int
) -> dict[str, Any]:
    """The first `count` test images, clean (with the network's answers, or the first model's)
    and as each model's FGSM example (with that model's answers)."""
    first = "network" if "network" in models else next(iter(models))
    rows = [data.x[:count]] + [attacked[k][:count] for k in models]
    titles = [_answers(models[first], data.x[:count])]
    titles += [_answers(models[k], attacked[k][:count]) for k in models]
    return {
        "images": torch.stack(rows)[:, :, 0],
        "titles": titles,
        "row_labels": [f"clean ({MODELS[first]})"] + [f"FGSM, {MODELS[k]}" for k in models],
    }


def _rows(summary: dict[str, Any], models: dict[str, nn.Module]) -> list[dict[str, Any]]:
    return [
        {
            "model": MODELS[key],
            "clean test error (%)": round(summary[f"{key}_clean_error"], 2),
            f"FGSM error (%), eps {summary['eps']:g}": round(summary[f"{key}_fgsm_error"], 1),
            "mean confidence of its mistakes (%)": round(summary[f"{key}_fgsm_confidence"], 1),
        }
        for key in models
    ]
