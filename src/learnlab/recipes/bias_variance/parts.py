"""The three parts of bias-variance: each fits its model family at every complexity on B
training sets and decomposes the test error (`learnlab.analysis.bias_variance`)."""

from __future__ import annotations

import time

import torch

from learnlab.result import Result

# seeds of the separate draws made from config.seed (independent streams of one seed)
TEST_STREAM, POOL_STREAM, NOISE_STREAM = 1, 2, 3


def _row(complexity: int, decomposition, measured: float, parameters: int) -> dict:
    return {
        "complexity": complexity,
        "parameters": parameters,
        "bias_squared": decomposition.bias_squared,
        "variance": decomposition.variance,
        "noise": decomposition.noise,
        "total": decomposition.expected_error,
        "measured": measured,
    }


def _part(kind: str, rows: list[dict], start: float, **extra) -> Result:
    summary = {"rows": rows, "cpu_seconds": time.process_time() - start, **extra}
    return Result(kind=f"bias-variance-{kind}", title=f"bias-variance: {kind}", summary=summary)


def run_polynomial(config) -> Result:
    from learnlab.analysis.bias_variance import decompose, training_sets
    from learnlab.recipes.bias_variance.experiments import (
        measured_error,
        polynomial_predictions,
        sampler,
        target,
    )

    start = time.process_time()
    draw = sampler(config.frequency, config.noise_std)
    xs, ys = training_sets(
        config.sets, config.train_size, resampling="fresh", seed=config.seed, draw=draw
    )
    x_test = torch.linspace(-1, 1, config.test_points, dtype=torch.float64)
    truth = target(x_test, config.frequency)
    rows = []
    for degree in config.degrees:
        preds = polynomial_predictions(xs, ys, degree, x_test)
        parts = decompose(preds, truth, config.noise_std**2)
        check = measured_error(preds, truth, config.noise_std, config.seed + NOISE_STREAM)
        rows.append(_row(degree, parts, check, degree + 1))
    return _part("polynomial", rows, start, sets=config.sets, resampling="fresh")


def run_features(config) -> Result:
    from learnlab.analysis.bias_variance import decompose, training_sets
    from learnlab.recipes.bias_variance.experiments import (
        feature_predictions,
        measured_error,
        multi_dim_sampler,
        multi_dim_target,
    )

    start = time.process_time()
    draw = multi_dim_sampler(config.feature_dim, config.noise_std)
    xs, ys = training_sets(
        config.feature_sets, config.train_size, resampling="fresh", seed=config.seed, draw=draw
    )
    x_test, _ = draw(config.test_points, torch.Generator().manual_seed(config.seed + TEST_STREAM))
    truth = multi_dim_target(x_test)
    rows = []
    for count in config.feature_counts():
        preds = feature_predictions(xs, ys, count, x_test, config.feature_bandwidth, config.seed)
        parts = decompose(preds, truth, config.noise_std**2)
        check = measured_error(preds, truth, config.noise_std, config.seed + NOISE_STREAM)
        rows.append(_row(count, parts, check, count))
    return _part("features", rows, start, sets=config.feature_sets, resampling="fresh")


def run_mlp(config) -> Result:
    from learnlab.analysis.bias_variance import decompose, training_sets
    from learnlab.recipes.bias_variance.experiments import (
        measured_error,
        mlp_predictions,
        sampler,
        target,
    )

    start = time.process_time()
    draw = sampler(config.frequency, config.noise_std)
    pool = draw(config.train_size, torch.Generator().manual_seed(config.seed + POOL_STREAM))
    xs, ys = training_sets(
        config.mlp_sets,
        config.train_size,
        resampling=config.resampling,
        seed=config.seed,
        draw=draw,
        pool=pool,
    )
    x_test = torch.linspace(-1, 1, config.test_points, dtype=torch.float64)
    truth = target(x_test, config.frequency)
    rows = []
    for width in config.widths:
        preds = mlp_predictions(
            xs, ys, width, x_test, steps=config.steps, lr=config.lr, seed=config.seed
        )
        parts = decompose(preds, truth, config.noise_std**2)
        check = measured_error(preds, truth, config.noise_std, config.seed + NOISE_STREAM)
        rows.append(_row(width, parts, check, 3 * width + 1))
    return _part("mlp", rows, start, sets=config.mlp_sets, resampling=config.resampling)
