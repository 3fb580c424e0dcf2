"""bias-variance: the squared test error split into bias^2, variance and noise against model
complexity, on tasks whose target and noise are known (Geman, Bienenstock & Doursat 1992),
showing the classical trade-off below the interpolation threshold and the variance peak at it
(Belkin, Hsu, Ma & Mandal 2019).

Parts (each a resumable `ctx.part`, parts.py; the models in experiments.py):

- `polynomial`: Legendre polynomials of degree 0 to 12 fitted by least squares to 40 noisy
  points of sin(pi x), over 200 fresh training sets: bias^2 falls, variance rises, the total
  is U-shaped. (Past degree + 1 = n the fits of random 1-D designs explode, Runge's
  phenomenon: the config refuses those degrees; the features part studies the threshold.)
- `features`: random Fourier features with the minimum-norm least-squares fit on a 5-D task,
  N from 0.05 n to 25 n: the variance peaks at N = n and falls beyond (double descent).
- `mlp`: one-hidden-layer tanh MLPs of width 1 to 64 on the 1-D task, over bootstrap
  resamples of one sample (the estimate when only one sample exists).

Each part also measures the fits' error on fresh noisy labels, which bias^2 + variance + noise
must equal up to Monte-Carlo error (the `largest_identity_gap` of the summary).

Measured (default config, 2026-12-06, `OMP_NUM_THREADS=1 learnlab reproduce bias-variance
--run-dir RUN --set progress=false`: 15.8 s of user CPU time, 11.1 s of it the MLPs):
polynomials: total 0.604 at degree 0, 0.106 at degree 3 (the minimum; bias^2 0.0047, variance
0.0115), 4,216 at degree 12 (variance 4,214: a few fits on clustered random points explode).
Random features: variance 0.030 at N = 2, 7.1 at N = 36, 1.5e6 at N = n = 40, 7.4 at 44,
0.29 at N = 1,000 (the peak at N = n). MLPs: bias^2 0.075 at H = 1 falling to 0.028 at 6,
variance 0.0046 rising to 0.0115 at 16 to 64; the total is smallest at H = 6 (0.126) and
rises only to 0.138 at 32: no variance peak for Adam-trained MLPs of these widths. Largest
relative gap between bias^2 + variance + noise and the measured error: 0.013.
"""

from __future__ import annotations

from typing import Any

from learnlab.recipes.bias_variance.config import BiasVarianceConfig
from learnlab.recipes.bias_variance.reproduction import PAPER, REPRODUCTION, U_RATIO
from learnlab.recipes.context import RunContext
from learnlab.recipes.registry import register_recipe
from learnlab.result import FigureSpec, Result

NAME = "bias-variance"
LABELS = {
    "polynomial": "polynomial degree",
    "features": "random Fourier features N",
    "mlp": "hidden units H",
}


@register_recipe(
    NAME,
    "Reproduction: bias^2, variance and noise of the test error against model complexity "
    "(polynomials, random features with min-norm least squares, MLP widths) on known tasks",
    BiasVarianceConfig,
    reproduction=REPRODUCTION,
)
def run(config: BiasVarianceConfig, ctx: RunContext) -> Result:
    from learnlab.recipes.bias_variance.parts import run_features, run_mlp, run_polynomial

    runners = {"polynomial": run_polynomial, "features": run_features, "mlp": run_mlp}
    parts = {}
    for name in config.parts:
        if ctx.console is not None and config.progress:
            ctx.console.print(f"{NAME}: part {name}")
        parts[name] = ctx.part(name, runners[name], config).summary
    return _result(config, parts)


def _column(rows: list[dict], key: str) -> list[float]:
    return [row[key] for row in rows]


def _summary(config: BiasVarianceConfig, parts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    summary: dict[str, Any] = {"recipe": NAME}
    gaps = []
    for name, part in parts.items():
        for row in part["rows"]:
            gaps.append(abs(row["measured"] - row["total"]) / row["total"])
        summary[f"{name}_cpu_seconds"] = part["cpu_seconds"]
    summary["largest_identity_gap"] = max(gaps)
    if "polynomial" in parts:
        total = _column(parts["polynomial"]["rows"], "total")
        best = min(range(len(total)), key=total.__getitem__)
        summary["polynomial_best_degree"] = config.degrees[best]
        summary["polynomial_u_shape"] = bool(
            0 < best < len(total) - 1 and min(total[0], total[-1]) >= U_RATIO * total[best]
        )
    if "features" in parts:
        rows = parts["features"]["rows"]
        variance = _column(rows, "variance")
        peak = max(range(len(variance)), key=variance.__getitem__)
        summary["features_variance_peak_over_n"] = rows[peak]["complexity"] / config.train_size
    if "mlp" in parts:
        rows = parts["mlp"]["rows"]
        bias, variance = _column(rows, "bias_squared"), _column(rows, "variance")
        summary["mlp_trade_off"] = bool(bias[0] > min(bias[1:]) and variance[-1] > variance[0])
        total = _column(rows, "total")
        summary["mlp_best_width"] = config.widths[min(range(len(total)), key=total.__getitem__)]
    return summary


def _tables(parts: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, str]]]:
    return {
        f"{name}: {LABELS[name]}": [
            {
                LABELS[name]: str(row["complexity"]),
                "parameters": str(row["parameters"]),
                "bias^2": f"{row['bias_squared']:.4g}",
                "variance": f"{row['variance']:.4g}",
                "noise": f"{row['noise']:.4g}",
                "bias^2 + variance + noise": f"{row['total']:.4g}",
                "measured on fresh noisy labels": f"{row['measured']:.4g}",
            }
            for row in part["rows"]
        ]
        for name, part in parts.items()
    }


def _figures(config: BiasVarianceConfig, parts: dict[str, dict[str, Any]]) -> list[FigureSpec]:
    from learnlab.recipes.bias_variance.figures import decomposition_figure

    figures = []
    for name, part in parts.items():
        rows = part["rows"]
        data = {
            "complexity": _column(rows, "complexity"),
            "bias_squared": _column(rows, "bias_squared"),
            "variance": _column(rows, "variance"),
            "total": _column(rows, "total"),
            "noise": config.noise_std**2,
            "xlabel": LABELS[name],
            "threshold": config.train_size if name == "features" else None,
            "log_x": name != "polynomial",
        }
        figures.append(FigureSpec(f"{name}: bias^2, variance, total", decomposition_figure, data))
    return figures


def _result(config: BiasVarianceConfig, parts: dict[str, dict[str, Any]]) -> Result:
    summary = _summary(config, parts)
    notes = [
        f"The decomposition of {PAPER.citation()}; noise variance {config.noise_std**2:g}.",
        f"Largest relative gap between bias^2 + variance + noise and the error measured on "
        f"fresh noisy labels: {summary['largest_identity_gap']:.3g}.",
    ]
    for name, part in parts.items():
        notes.append(
            f"{name}: {part['sets']} training sets ({part['resampling']}), "
            f"{part['cpu_seconds']:.1f} s of CPU time."
        )
    return Result(
        kind=NAME,
        title=f"{NAME}: bias^2, variance and noise against model complexity",
        summary=summary,
        notes=notes,
        tables=_tables(parts),
        figures=_figures(config, parts),
        index={"dataset": "known 1-D and 5-D tasks", "model": "polynomials, RFF, MLPs"},
        headline=(f"[bold]{NAME}[/]: identity gap {summary['largest_identity_gap']:.3g}"),
    )
