"""`diagnose`: run the doctor's checks on a model and its data.

The order is cheapest and most basic first: the data, then whether backprop is right, then
what one forward/backward pass looks like inside, then whether the model can learn at all
(a tiny batch), which rates train it, and finally which held-out examples it gets most wrong.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable

from torch import nn

from learnlab.data.dataset import Split
from learnlab.doctor.common import default_objective, sample
from learnlab.doctor.result import CheckResult, DoctorReport
from learnlab.io.errors import ConfigError
from learnlab.objectives.base import Objective, as_objective

CHECK_NAMES: tuple[str, ...] = (
    "data",
    "gradients",
    "activations",
    "overfit",
    "lr-range",
    "worst-examples",
)
CHECK_DESCRIPTIONS = {
    "data": "class balance, NaN/inf, input scale, test examples duplicated in train",
    "gradients": "backprop against float64 central finite differences, per parameter tensor",
    "activations": "per-layer activations and gradients: dead ReLUs, saturation, vanishing",
    "overfit": "can the model reach 100% training accuracy on 32 examples?",
    "lr-range": "learning-rate range test (Smith 2017): suggested lr, is the configured one safe?",
    "worst-examples": "the held-out examples with the largest loss",
}
GRADIENT_EXAMPLES = 4
ACTIVATION_EXAMPLES = 512
OVERFIT_EXAMPLES = 32


def parse_checks(text: str | None) -> list[str]:
    """ "a,b,c" -> the checks in the doctor's order; None or "all" -> every check."""
    if text is None or text.strip() == "all":
        return list(CHECK_NAMES)
    asked = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in asked if name not in CHECK_NAMES]
    if unknown or not asked:
        raise ConfigError(
            f"unknown check(s) {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"choose from {', '.join(CHECK_NAMES)}, comma-separated, or 'all'."
        )
    return [name for name in CHECK_NAMES if name in asked]


def diagnose(
    model: nn.Module,
    train: Split,
    test: Split,
    *,
    objective: Objective | None = None,
    lr: float | None = None,
    optimizer: str = "adam",
    optimizer_kwargs: dict | None = None,
    checks: list[str] | str | None = None,
    seed: int = 0,
    class_names: list[str] | None = None,
    trained: bool | None = None,
    initial_model: nn.Module | None = None,
    on_start: Callable[[str], None] | None = None,
    on_result: Callable[[CheckResult], None] | None = None,
) -> DoctorReport:
    """Run the checks on `model` with its training and held-out data.

    `train` and `test` hold the inputs as the model takes them (normalised); `objective`
    defaults to cross-entropy for integer labels and mean squared error otherwise; `lr` and
    `optimizer` (+ `optimizer_kwargs`: momentum, weight_decay, options) are the training
    configuration the learning-rate check judges. `checks` picks a subset (names or "a,b").
    The checks of training from scratch (overfit, lr-range) start from `initial_model` when
    given (for a trained `model`: the weights its training started from), the others look at
    `model` itself. Every check works on a copy: the models are left as they were.
    `on_start(name)` and `on_result(result)` let a caller show progress.

    >>> from learnlab.models import build_model                   # doctest: +SKIP
    >>> report = diagnose(build_model("mlp", (1, 8, 8), 10), train, test)  # doctest: +SKIP
    >>> report.exit_code, report["gradients"].status              # doctest: +SKIP
    (0, 'pass')
    """
    from learnlab.doctor.activations import check_activations
    from learnlab.doctor.data_checks import check_data
    from learnlab.doctor.gradient_check import check_gradients
    from learnlab.doctor.lr_range import check_lr_range
    from learnlab.doctor.overfit import check_overfit
    from learnlab.doctor.worst_examples import check_worst_examples

    names = parse_checks(checks) if checks is None or isinstance(checks, str) else checks
    unknown = [n for n in names if n not in CHECK_NAMES]
    if unknown:
        raise ConfigError(f"unknown check(s) {unknown}; choose from {', '.join(CHECK_NAMES)}.")
    if len(train) == 0 or len(test) == 0:
        raise ConfigError("the doctor needs training and held-out examples; a split is empty.")
    objective = as_objective(objective) if objective is not None else default_objective(train.y)
    from_scratch = initial_model if initial_model is not None else model
    tiny = sample(train, GRADIENT_EXAMPLES, seed)
    batch = sample(train, ACTIVATION_EXAMPLES, seed + 1)
    small = sample(train, OVERFIT_EXAMPLES, seed + 2)
    runners: dict[str, Callable[[], CheckResult]] = {
        "data": lambda: check_data(train, test),
        "gradients": lambda: check_gradients(model, objective, tiny.x, tiny.y, seed=seed),
        "activations": lambda: check_activations(model, objective, batch.x, batch.y, seed=seed),
        "overfit": lambda: check_overfit(from_scratch, objective, small.x, small.y, seed=seed),
        "lr-range": lambda: check_lr_range(
            from_scratch,
            objective,
            train.x,
            train.y,
            optimizer=optimizer,
            optimizer_kwargs=optimizer_kwargs,
            lr=lr,
            seed=seed,
        ),
        "worst-examples": lambda: check_worst_examples(
            model, objective, test.x, test.y, seed=seed, class_names=class_names, trained=trained
        ),
    }
    results = []
    for name in [n for n in CHECK_NAMES if n in names]:
        if on_start is not None:
            on_start(name)
        start = time.perf_counter()
        result = _run_one(name, runners[name])
        result.seconds = time.perf_counter() - start
        results.append(result)
        if on_result is not None:
            on_result(result)
    return DoctorReport(results)


def _run_one(name: str, runner: Callable[[], CheckResult]) -> CheckResult:
    """The check's result; a check that raises is a failure that shows the error, so that
    one broken part of a model does not hide what the other checks find."""
    try:
        return runner()
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - any error of the user's model is a finding
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return CheckResult(
            name,
            "fail",
            f"the check raised {type(exc).__name__}: {exc}",
            advice=[
                f"Raised at {where.filename}, line {where.lineno}: {where.line}. The model or "
                "objective may not support what this check needs (e.g. float64 inputs)."
            ],
        )
