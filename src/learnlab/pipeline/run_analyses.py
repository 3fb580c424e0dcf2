"""The analyses of `learnlab analyze RUN ...` on a trained run: the Hessian of the training
loss at the trained weights (top eigenvalues, trace, index) and the error under an attack.

Each returns a dict of plain numbers (what `--json` prints); the model comes back as it came.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from learnlab.io.errors import ConfigError
from learnlab.pipeline.trained_run import TrainedRun


def _first(split, examples: int, what: str) -> tuple[torch.Tensor, torch.Tensor]:
    if examples < 1:
        raise ConfigError(f"--examples {examples}: give at least 1 {what} example.")
    return split.x[:examples], split.y[:examples]


def hessian_of_run(
    run: TrainedRun, *, k: int, examples: int, samples: int, index_runs: int, seed: int
) -> dict[str, Any]:
    """The `k` largest eigenvalues (Lanczos), the trace (Hutchinson, `samples` vectors) and the
    index (the fraction of negative eigenvalues, exact or by stochastic Lanczos quadrature) of
    the Hessian of the mean cross-entropy over the first `examples` training examples."""
    from learnlab.analysis.base import preserved_model_state
    from learnlab.analysis.hessian import index, top_eigenvalues, trace

    x, y = _first(run.data.train, examples, "training")
    with preserved_model_state(run.model) as model:
        params = [p for p in model.parameters()]
        if not params:
            raise ConfigError(f"{run.run_dir}: the model has no parameters to analyse.")

        def closure() -> torch.Tensor:
            return F.cross_entropy(model(x), y)

        top = top_eigenvalues(closure, params, k, seed=seed)
        estimate = trace(closure, params, samples=samples, seed=seed)
        # exact up to a few thousand parameters; beyond, `index_runs` quadratures of 20 steps
        negative = index(closure, params, steps=20, runs=index_runs, seed=seed)
        with torch.no_grad():
            loss = float(closure())
    return {
        "examples": int(x.shape[0]),
        "parameters": negative.parameters,
        "loss": loss,
        "top_eigenvalues": [float(v) for v in top],
        "trace": float(estimate.estimate),
        "trace_standard_error": float(estimate.standard_error),
        "trace_samples": samples,
        "index": negative.fraction,
        "index_standard_error": negative.standard_error,
        "index_method": negative.method,
    }


def attack_run(
    run: TrainedRun,
    *,
    method: str,
    eps: list[float],
    examples: int,
    steps: int,
    step_size: float,
    seed: int,
) -> dict[str, Any]:
    """The test error and the mean confidence of the mistakes under `method` (fgsm or pgd, L-inf,
    in pixel units on the [0, 1] scale) at each budget, on the first `examples` test images;
    success is read by predicting the adversarial images again."""
    from learnlab.analysis.adversarial.gradient import fgsm, pgd

    if method not in ("fgsm", "pgd"):
        raise ConfigError(f"--method {method!r}; choose fgsm or pgd.")
    x, y = _first(run.data.test, examples, "test")
    model, x01 = run.unit_model(), run.unit_inputs(x).clamp(0.0, 1.0)
    rows = []
    for budget in eps:
        if method == "fgsm":
            adversarial = fgsm(model, x01, y, budget)
        else:
            adversarial = pgd(model, x01, y, budget, steps, step_size, seed=seed)
        rows.append({"eps": budget, **_errors(model, adversarial, y)})
    return {"method": method, "examples": int(x.shape[0]), "eps": rows}


@torch.no_grad()
def _errors(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    probabilities = torch.softmax(model(x), dim=1)
    confidence, predicted = probabilities.max(dim=1)
    wrong = predicted != y
    return {
        "error": float(wrong.double().mean()),
        "confidence_of_mistakes": float(confidence[wrong].mean()) if wrong.any() else float("nan"),
    }
