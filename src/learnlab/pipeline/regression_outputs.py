"""What a regression run keeps of its test split: the targets, the model's predictions and
the baselines' (training mean, least squares) for outputs.safetensors, and R^2 and mean
squared error of each for summary.json (the report's regression section is drawn from the
stored tensors, so the page and the summary agree)."""

from __future__ import annotations

from typing import Any

import torch

from learnlab.runs.directory import (
    BASELINE_PREDICTIONS_PREFIX,
    TEST_PREDICTIONS_KEY,
    TEST_TARGETS_KEY,
)


@torch.no_grad()
def predict_values(model: torch.nn.Module, loader) -> tuple[torch.Tensor, torch.Tensor]:
    """(targets, predictions reshaped like them), float32 on the CPU, in eval mode; the mode
    is restored."""
    was_training = model.training
    model.eval()
    targets, predictions = [], []
    try:
        for x, y in loader:
            targets.append(y.cpu().float())
            predictions.append(model(x).float().cpu().reshape(y.shape))
    finally:
        model.train(was_training)
    return torch.cat(targets), torch.cat(predictions)


def regression_scalars(outputs: dict[str, torch.Tensor]) -> dict[str, float]:
    """test_r2 and test_mse of the model, baseline_<name>_r2 and _mse of each baseline."""
    from learnlab.metrics.regression import mean_squared_error, r2_score

    targets = outputs[TEST_TARGETS_KEY]
    scalars = {
        "test_r2": r2_score(targets, outputs[TEST_PREDICTIONS_KEY]),
        "test_mse": mean_squared_error(targets, outputs[TEST_PREDICTIONS_KEY]),
    }
    for key, predictions in outputs.items():
        if key.startswith(BASELINE_PREDICTIONS_PREFIX):
            name = key[len(BASELINE_PREDICTIONS_PREFIX) :]
            scalars[f"baseline_{name}_r2"] = r2_score(targets, predictions)
            scalars[f"baseline_{name}_mse"] = mean_squared_error(targets, predictions)
    return scalars


def regression_outputs(
    config, data: Any, model: torch.nn.Module, test_loader
) -> tuple[dict[str, float], dict[str, torch.Tensor]]:
    """The summary scalars and the tensors to store, for a regression data set."""
    from learnlab.metrics.regression import fit_regression_baselines

    targets, predictions = predict_values(model, test_loader)
    outputs = {TEST_TARGETS_KEY: targets, TEST_PREDICTIONS_KEY: predictions}
    if config.baselines:
        fitted = fit_regression_baselines(data.train.x, data.train.y, data.test.x)
        for name, values in fitted.items():
            outputs[BASELINE_PREDICTIONS_PREFIX + name] = values.reshape(targets.shape)
    scalars = regression_scalars(outputs)
    if "noise_mse" in data.dataset.extras:  # a generated task: the best achievable test MSE
        scalars["noise_floor_mse"] = float(data.dataset.extras["noise_mse"])
    return scalars, outputs
