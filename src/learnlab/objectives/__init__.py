"""Training objectives: callables `(model, batch) -> (loss, metrics)`.

`loss` is the scalar to minimise (a mean over the batch); `metrics` maps names to tensors
without a graph, each either 0-dim (the batch's mean, weighted by batch size) or 1-dim with one
value per example (cheaper: no reduction per batch). The Trainer keeps them as tensors and
reads their means over the epoch's examples once per epoch (`learnlab.train.epoch_metrics`).
An objective may own trainable modules (`extra_modules`).
"""
