"""Training objectives: callables `(model, batch) -> (loss, metrics)`.

`loss` is the scalar to minimise (a mean over the batch); `metrics` maps names to values
without a graph, each a 0-dim tensor (the batch's mean, weighted by batch size), a 1-dim tensor
with one value per example, or `PerExample(compute, *tensors)`, computed once per epoch (the
cheapest in the training loop). The Trainer keeps them and reads their means over the epoch's
examples once per epoch (`learnlab.train.epoch_metrics`).
An objective may own trainable modules (`extra_modules`).
"""
