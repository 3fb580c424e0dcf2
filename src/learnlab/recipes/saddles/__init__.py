"""saddles: critical points of a small MLP's loss and their index, reproducing Figure 1 of
Dauphin, Pascanu, Gulcehre, Cho, Ganguli & Bengio (2014), "Identifying and attacking the
saddle point problem in high-dimensional non-convex optimization", NIPS.

The paper found critical points of a small MLP on MNIST downsampled to 10x10 by Newton's
method (drawn to saddles as to minima) from noisy points near a training path and plotted
training error against index (the fraction of negative Hessian eigenvalues): the points
"concentrate along a monotonically increasing curve". Here the loss is the cross-entropy plus
weight decay (without it the 2,500 images are separable and trained points have no critical
point near: L-BFGS drives the loss to 1e-10 as the weights grow without bound). Starts: the
network with only its first k hidden units trained (k = 0 ... 20; the others silent, zero in
and out: a minimum of the k-unit net is then a critical point of the 20-unit one, Fukumizu &
Amari 2000), moved by uniform noise; from each, Newton's method with the Hessian's
pseudo-inverse and a line search on |grad L| (`learnlab.analysis.pseudo_newton`). The
criterion, checked after the search: an end is a critical point when |grad L| <=
relative_tolerance x ln 10 (default 2.3e-5); the others are reported apart (count, gradient
norms) and left out of Spearman's rho by that rule alone.

Why not starts along SGD runs (the paper's, and this recipe's earlier version): measured
(2026-12-06), without weight decay no search from a trained point met the criterion (L-BFGS
on |grad L|^2 and damped Newton stalled at |grad L| 2e-3 to 1e-2; only the 4 searches from the
initialisation did, at error 88.8%, index ~0: rho n/a); with weight decay 1e-3, damped Newton
(8 Hessians) from SGD points after 0 and 30 steps still ended at |grad L| 1.7e-3 and 2.3e-2.

Measured (2026-12-06, 1 torch thread, the default configuration run as four processes of
widths [0, 1, 2], [3, 4], [6, 9], [13, 20] on a 2-core machine shared by ~19 jobs; 188 s of
user CPU in all): 9 of 9 searches kept (|grad L| 8.6e-13 to 3.1e-7), none rejected; error
88.3, 61.8, 31.1, 14.8, 7.9, 1.9, 0.1, 0.0, 0.0% at index 0.081, 0.077, 0.073, 0.069, 0.065,
0.057, 0.044, 0.028, 0.000 for k = 0, 1, 2, 3, 4, 6, 9, 13, 20; Spearman rho 0.996. Each
silent unit gives exactly 9 negative eigenvalues (index 9 (20 - k) / 2,230), so the monotone
curve is that of the narrow nets embedded in the wide one. `--set newton=mr` searches by
Newton-MR (`learnlab.analysis.newton_mr`: MINRES on Hessian-vector products, one dense Hessian
per point, for its spectrum): measured 2026-12-07, the same 9 of 9 points (|grad L| <= 3.1e-7),
rho 0.996, 98 s of user CPU (the machine shared by ~8 jobs).
"""

from __future__ import annotations

import time
from typing import Any

from learnlab.recipes.context import RunContext
from learnlab.recipes.registry import register_recipe
from learnlab.recipes.saddles.config import SaddlesConfig, check
from learnlab.recipes.saddles.reproduction import PAPER, REPRODUCTION
from learnlab.result import Result

NAME = "saddles"


@register_recipe(
    NAME,
    "Reproduction: critical points of a small MLP on 10x10 MNIST and their index (Dauphin et "
    "al. 2014, Figure 1): training error against index, Spearman rho (target > 0.5)",
    SaddlesConfig,
    reproduction=REPRODUCTION,
)
def run(config: SaddlesConfig, ctx: RunContext) -> Result:
    from learnlab.recipes.saddles.search import search

    check(config)
    started = time.perf_counter()
    found, origins, parameters = search(config, ctx.console)
    return _result(config, found, origins, parameters, time.perf_counter() - started)


def _result(
    config: SaddlesConfig,
    found: Any,
    origins: list[dict[str, Any]],
    parameters: int,
    seconds: float,
) -> Result:
    rho = found.index_error_correlation()
    rho_value = None if rho != rho else rho  # nan: too few points (JSON has no nan)
    kept = len(found.index)
    summary: dict[str, Any] = {
        "parameters": parameters,
        "starts": len(origins),
        "points_kept": kept,
        "points_rejected": found.rejected,
        "relative_tolerance": config.relative_tolerance,
        "tolerance": config.tolerance(),
        "spearman_rho": rho_value,
        "seconds": seconds,
    }
    if found.rejected:
        summary.update(
            rejected_gradient_norm_min=float(found.rejected_gradient_norm.min()),
            rejected_gradient_norm_max=float(found.rejected_gradient_norm.max()),
        )
    if kept:
        summary.update(
            gradient_norm_max=float(found.gradient_norm.max()),
            index_min=float(found.index.min()),
            index_max=float(found.index.max()),
            error_percent_min=100 * float(found.error.min()),
            error_percent_max=100 * float(found.error.max()),
        )
    shown = "n/a (fewer than 3 kept points)" if rho_value is None else f"{rho_value:.2f}"
    return Result(
        kind=NAME,
        title=f"{NAME}: training error against index at critical points",
        summary=summary,
        notes=[f"Reproduction of {PAPER.citation()}.", _note(config, found, parameters)],
        tables={"critical-point searches": _rows(found, origins)},
        figures=_figures(found, origins, rho_value, config.spectra),
        index={"dataset": "mnist", "model": f"mlp-{config.hidden}", "spearman_rho": rho_value},
        headline=(
            f"[bold]{NAME}[/]: {kept} critical points kept, {found.rejected} rejected "
            f"(|grad L| > {config.tolerance():.1e}); Spearman rho of error with index {shown} "
            "(target > 0.5)"
        ),
    )


def _note(config: SaddlesConfig, found: Any, parameters: int) -> str:
    return (
        f"{len(found.index) + found.rejected} Newton searches ({len(config.widths)} numbers of "
        f"trained hidden units x {config.runs} initialisations) on a "
        f"{config.image_size**2}-{config.hidden}-10 tanh MLP ({parameters:,} parameters) over "
        f"{config.examples:,} MNIST images, loss: cross-entropy + {config.weight_decay:g} / 2 "
        f"|theta|^2; {len(found.index)} ended with |grad L| <= {config.tolerance():.1e} "
        f"({config.relative_tolerance:g} x ln 10, the loss scale) and count as critical points; "
        f"{found.rejected} did not and are left out of rho by that rule alone (the table gives "
        "every search's final gradient norm)."
    )


def _origin(where: dict[str, Any]) -> dict[str, str]:
    return {
        "trained units": str(where["width"]),
        "run": str(where["run"]),
        "|grad L| before noise": f"{where['start_gradient_norm']:.1e}",
    }


def _rows(found: Any, origins: list[dict[str, Any]]) -> list[dict[str, str]]:
    rows = []
    for j, i in enumerate(found.start.tolist()):
        rows.append(
            {
                "start": str(i),
                **_origin(origins[i]),
                "kept": "yes",
                "|grad L|": f"{found.gradient_norm[j]:.3e}",
                "loss": f"{found.loss[j]:.4f}",
                "training error (%)": f"{100 * found.error[j]:.1f}",
                "index": f"{found.index[j]:.4f}",
            }
        )
    for norm, i in zip(found.rejected_gradient_norm, found.rejected_start.tolist(), strict=True):
        rows.append(
            {
                "start": str(i),
                **_origin(origins[i]),
                "kept": "no",
                "|grad L|": f"{norm:.3e}",
            }
        )
    return sorted(rows, key=lambda row: int(row["start"]))


def _figures(found: Any, origins: list[dict[str, Any]], rho: float | None, spectra: int) -> list:
    import torch

    from learnlab.recipes.saddles.figures import error_index_figure, spectra_figure
    from learnlab.result import FigureSpec

    if not len(found.index):
        return []
    widths = [origins[i]["width"] for i in found.start.tolist()]
    units = torch.tensor(widths, dtype=torch.float64)
    figures = [
        FigureSpec(
            "Training error against index (the paper's Figure 1a)",
            error_index_figure,
            {
                "index": torch.from_numpy(found.index),
                "error": torch.from_numpy(100 * found.error),
                "units": units,
                "rho": rho,
            },
        )
    ]
    order = found.error.argsort(kind="stable")
    count = min(len(order), spectra)  # evenly spaced in error, lowest to highest
    picks = sorted({round(k * (len(order) - 1) / max(1, count - 1)) for k in range(count)})
    chosen = [int(order[k]) for k in picks]
    if chosen:
        labels = [
            f"error {100 * found.error[j]:.1f}%, index {found.index[j]:.3f}, loss "
            f"{found.loss[j]:.3f}"
            for j in chosen
        ]
        figures.append(
            FigureSpec(
                "Hessian eigenvalues at critical points of low, middle and high error (Figure 1b)",
                spectra_figure,
                {"eigenvalues": torch.from_numpy(found.eigenvalues[chosen]), "labels": labels},
            )
        )
    return figures
