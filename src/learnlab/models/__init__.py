"""Models: a registry of named factories, one file per model family.

`build_model(name, input_shape, num_outputs, **options)` builds a registered model (see
`model_names()`) or one from the user's own file, `"path/to/file.py:factory"`. Every registered
model passes the contract tests in tests/models/test_models_contract.py. `load_model(run)`
rebuilds a trained one from its run directory; `load_model_info(run)`: what it was trained on.
`backprop_by_hand`: an MLP's forward pass, backward pass and SGD step in NumPy, the chain rule
written out and checked against autograd (docs/backprop.md).
`mean_field_mrf`: a binary MRF whose K mean-field iterations, unrolled, are the layers of a
denoising network (recipe unrolled-mrf), and its CNN baseline.
"""

from learnlab.models.registry import build_model, model_description, model_names, register_model
from learnlab.models.saved import load_model, load_model_info

__all__ = [
    "build_model",
    "load_model",
    "load_model_info",
    "model_description",
    "model_names",
    "register_model",
]
