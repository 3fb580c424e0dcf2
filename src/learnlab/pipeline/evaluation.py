"""What a classification run keeps of its test split: the class probabilities of the model and
of the trivial baselines, the macro scores and calibration/coverage scalars for summary.json,
and for image data the worst-classified test images (outputs.safetensors; the report is drawn
from them)."""

from __future__ import annotations

from typing import Any

import torch

from learnlab import runs
from learnlab.config import TrainConfig


@torch.no_grad()
def predict_probabilities(model: torch.nn.Module, loader) -> tuple[torch.Tensor, torch.Tensor]:
    """(true labels, class probabilities: softmax of the logits, float32) over a loader, on
    the CPU, in eval mode; the mode is restored."""
    was_training = model.training
    model.eval()
    ys, probabilities = [], []
    try:
        for x, y in loader:
            ys.append(y.cpu())
            probabilities.append(torch.softmax(model(x).float(), dim=1).cpu())
    finally:
        model.train(was_training)
    return torch.cat(ys), torch.cat(probabilities)


def _baseline_outputs(config: TrainConfig, data: Any) -> dict[str, torch.Tensor]:
    """Test probabilities (float32) of the trivial baselines fitted on the training split."""
    from learnlab.metrics.baselines import fit_baselines

    fitted = fit_baselines(
        data.train.x, data.train.y, data.test.x, data.dataset.num_classes, seed=config.seed
    )
    prefix = runs.BASELINE_PROBABILITIES_PREFIX
    return {prefix + name: p.to(torch.float32) for name, p in fitted.items()}


def _classification_scalars(y_true, probabilities, outputs) -> dict[str, float]:
    """ECE, macro AUC, accuracy at 90% coverage... and the baselines' scores, for summary.json;
    from the same stored tensors as the report's classification section."""
    from learnlab.metrics.classification_report import classification_report
    from learnlab.report.classification_section import stored_baselines, summary_scalars

    report = classification_report(
        y_true, probabilities, baselines=stored_baselines(outputs), with_curves=False
    )
    return summary_scalars(report.scalars)


def test_split_outputs(config, data, model, test_loader) -> tuple[dict, dict[str, torch.Tensor]]:
    """Regression: R^2 and MSE of the model and baselines (`regression_outputs`).
    Classification: macro scores and calibration/coverage scalars for the summary, and
    the test labels and probabilities (and the baselines', and for images the worst-classified
    test images) for outputs.safetensors."""
    from learnlab.report.gallery import gallery_outputs

    ds = data.dataset
    if ds.task == "regression":
        from learnlab.pipeline.regression_outputs import regression_outputs

        return regression_outputs(config, data, model, test_loader)
    if ds.task != "classification":
        return {}, {}
    y_true, probabilities = predict_probabilities(model, test_loader)
    outputs = {runs.TEST_LABELS_KEY: y_true.long(), runs.TEST_PROBABILITIES_KEY: probabilities}
    if config.baselines:
        outputs.update(_baseline_outputs(config, data))
    outputs.update(gallery_outputs(ds.input_shape, ds.test.x, ds.scale, y_true, probabilities))
    return _classification_scalars(y_true, probabilities, outputs), outputs
