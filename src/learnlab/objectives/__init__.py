"""Training objectives: callables `(model, batch) -> (loss, metrics)`.

`loss` is the scalar to minimise (a mean over the batch); `metrics` maps names to 0-dim
tensors that are also means over the batch (the Trainer weights them by batch size and reads
them once per epoch). An objective may own trainable modules (`extra_modules`).
"""
