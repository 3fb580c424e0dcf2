"""unrolled-mrf: structured prediction by unrolling mean-field inference in a binary MRF
(lecture L3: "take an existing algorithm and turn it into a neural network"; Domke 2013,
Zheng et al. 2015 "CRF as RNN": here reimplemented for binary image denoising).

MNIST digits thresholded at half intensity are corrupted (each pixel flipped with probability
`flip_probability`, or N(0, gaussian_std^2) added; drawn from each seed), and the clean binary
image is recovered by:

- the noisy input itself (pixels > 1/2 read as foreground);
- the hand-set MRF: the classical mean-field Ising denoiser with K damped parallel updates, its
  unary log-odds taken from the known noise level, its coupling J (4 neighbours) and prior
  bias b picked from a small grid on validation images (the last training images);
- the learned MRF (`learnlab.models.mean_field_mrf`): the same K updates as K layers with one
  tied, point-symmetric coupling kernel plus a unary weight and bias, trained end to end by
  per-pixel binary cross-entropy of the marginals (`learnlab.objectives.marginals`);
- a CNN (3 convolutions, 16 channels, about 2,600 parameters) trained the same way.

Each K in `iterations` gets its own hand-set and learned MRF; the largest is the main table's.
Errors are on the MNIST test set (nothing is chosen on it), means over `seeds` seeds.
"""

from __future__ import annotations

import statistics
from typing import Any

from learnlab.recipes.context import RunContext
from learnlab.recipes.registry import register_recipe
from learnlab.recipes.unrolled_mrf.config import UnrolledMrfConfig
from learnlab.result import FigureSpec, Result

NAME = "unrolled-mrf"
QUICK = {
    "seeds": 3,
    "iterations": [1, 3],
    "epochs": 1,
    "limit_train": 200,
    "validation": 50,
    "limit_test": 100,
    "cnn_channels": 4,
    "examples": 2,
}
METHODS = ("noisy", "hand", "learned", "cnn")
LABELS = {
    "noisy": "noisy input",
    "hand": "hand-set MRF (mean field)",
    "learned": "learned MRF (unrolled mean field)",
    "cnn": "CNN",
}


@register_recipe(
    NAME,
    "Binary MNIST denoising by K unrolled mean-field iterations of a pairwise MRF trained end "
    "to end, against the same MRF with hand-set weights and a CNN; error against K",
    UnrolledMrfConfig,
    quick=QUICK,
)
def run(config: UnrolledMrfConfig, ctx: RunContext) -> Result:
    import time

    from learnlab.recipes.unrolled_mrf.data import load_binary_mnist
    from learnlab.recipes.unrolled_mrf.training import run_seed

    start = time.perf_counter()
    data = load_binary_mnist(config)
    outcomes = [run_seed(data, config, seed) for seed in config.seed_list()]
    return _result(config, outcomes, time.perf_counter() - start)


def _method_values(outcome, method: str, attribute: str, k: int) -> float:
    measured = getattr(outcome, method)
    return getattr(measured[k] if isinstance(measured, dict) else measured, attribute)


def _summary(config: UnrolledMrfConfig, outcomes, seconds: float) -> dict[str, Any]:
    from learnlab.models.mean_field_mrf import MeanFieldMRF, pixel_cnn_denoiser
    from learnlab.recipes.seeds import spread_keys

    k = config.iterations[-1]
    summary: dict[str, Any] = {"recipe": NAME, "noise": config.noise, "iterations": k}
    for method in METHODS:
        for attribute, key in (("error", f"{method}_error"), ("iou", f"{method}_iou")):
            values = [_method_values(o, method, attribute, k) for o in outcomes]
            summary[key] = statistics.fmean(values)
            summary.update(spread_keys(key, values))
    for k_each in config.iterations:
        for method in ("hand", "learned"):
            summary[f"{method}_error_k{k_each}"] = statistics.fmean(
                o.__dict__[method][k_each].error for o in outcomes
            )
    summary["learned_minus_hand_error"] = summary["learned_error"] - summary["hand_error"]
    summary["learned_minus_cnn_error"] = summary["learned_error"] - summary["cnn_error"]
    mrf = MeanFieldMRF(config.kernel_size, k, config.damping)
    summary["mrf_parameters"] = sum(p.numel() for p in mrf.parameters())
    summary["mrf_free_parameters"] = (config.kernel_size**2 - 1) // 2 + 2  # W point-symmetric
    cnn = pixel_cnn_denoiser(config.cnn_channels, config.cnn_layers)
    summary["cnn_parameters"] = sum(p.numel() for p in cnn.parameters())
    summary.update(seeds=config.seeds, seconds=seconds)
    return summary


def _cell(values: list[float]) -> str:
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{100 * statistics.fmean(values):.2f} ± {100 * spread:.2f}"


def _tables(config: UnrolledMrfConfig, outcomes, summary) -> dict[str, list[dict[str, str]]]:
    k = config.iterations[-1]
    params = {
        "noisy": "0",
        "hand": "0 learned (2 on validation)",
        "cnn": str(summary["cnn_parameters"]),
    }
    params["learned"] = (
        f"{summary['mrf_free_parameters']} free ({summary['mrf_parameters']} stored)"
    )
    main = [
        {
            "method": LABELS[m] + (f", K = {k}" if m in ("hand", "learned") else ""),
            "parameters": params[m],
            "test pixel error (%)": _cell([_method_values(o, m, "error", k) for o in outcomes]),
            "foreground IoU (%)": _cell([_method_values(o, m, "iou", k) for o in outcomes]),
        }
        for m in METHODS
    ]
    by_k = [
        {
            "K": str(k_each),
            "hand-set MRF error (%)": _cell([o.hand[k_each].error for o in outcomes]),
            "learned MRF error (%)": _cell([o.learned[k_each].error for o in outcomes]),
            "hand-set (J, b) per seed": "; ".join(
                f"{o.hand_setting[k_each][0]:g}, {o.hand_setting[k_each][1]:g}" for o in outcomes
            ),
        }
        for k_each in config.iterations
    ]
    return {
        f"test pixel error and IoU (mean ± std over {config.seeds} seeds)": main,
        "test pixel error against the number of unrolled iterations K": by_k,
    }


def _figures(config: UnrolledMrfConfig, outcomes) -> list[FigureSpec]:
    from learnlab.recipes.unrolled_mrf.figures import (
        denoising_examples_figure,
        error_against_iterations_figure,
    )

    against_k = {
        "iterations": list(config.iterations),
        "learned": [[o.learned[k].error for o in outcomes] for k in config.iterations],
        "hand": [[o.hand[k].error for o in outcomes] for k in config.iterations],
        "cnn": [o.cnn.error for o in outcomes],
        "noisy": [o.noisy.error for o in outcomes],
    }
    rows = ["noisy", "hand_set_mrf", "learned_mrf", "cnn", "clean"]
    return [
        FigureSpec(
            "test pixel error against unrolled iterations K",
            error_against_iterations_figure,
            against_k,
            caption="Mean ± std over seeds; each K is its own model (hand-set and learned).",
        ),
        FigureSpec(
            "test images: noisy, hand-set MRF, learned MRF, CNN, clean",
            denoising_examples_figure,
            {"rows": rows, **{name: outcomes[0].examples[name] for name in rows}},
            caption=f"Seed {outcomes[0].seed}, K = {config.iterations[-1]}; grey = marginal q.",
        ),
    ]


def _result(config: UnrolledMrfConfig, outcomes, seconds: float) -> Result:
    summary = _summary(config, outcomes, seconds)
    k = config.iterations[-1]
    noise = (
        f"flip probability {config.flip_probability:g}"
        if config.noise == "flip"
        else f"Gaussian noise std {config.gaussian_std:g}"
    )
    headline = (
        f"test pixel error: learned MRF (K={k}) {100 * summary['learned_error']:.2f}%, "
        f"hand-set MRF {100 * summary['hand_error']:.2f}%, CNN {100 * summary['cnn_error']:.2f}%, "
        f"noisy {100 * summary['noisy_error']:.2f}% ({config.seeds} seeds)"
    )
    notes = [
        f"Binary MNIST ({len(outcomes[0].examples['clean'])} shown), {noise}; "
        f"{config.epochs} epochs of Adam (MRF lr {config.lr:g}, CNN lr {config.cnn_lr:g}), "
        f"{config.kernel_size}x{config.kernel_size} coupling kernel, damping {config.damping:g}.",
        f"{headline}. Learned minus hand-set: {100 * summary['learned_minus_hand_error']:+.2f} "
        f"points; learned minus CNN: {100 * summary['learned_minus_cnn_error']:+.2f} points. "
        f"{seconds:.0f} s.",
        f"Learned coupling kernel W (seed {outcomes[0].seed}, K={k}): "
        + "; ".join(" ".join(f"{w:+.2f}" for w in row) for row in outcomes[0].learned_kernel),
    ]
    return Result(
        kind=NAME,
        title=f"{NAME}: denoising binary digits by unrolled mean-field inference in an MRF",
        summary=summary,
        notes=notes,
        tables=_tables(config, outcomes, summary),
        figures=_figures(config, outcomes),
        index={"dataset": "mnist", "model": f"mean-field MRF, K={k}"},
        headline=f"[bold]{NAME}[/]: {headline}",
    )
