"""Models: a registry of named factories, one file per model family.

`build_model(name, input_shape, num_outputs, **options)` builds a registered model (see
`model_names()`) or one from the user's own file, `"path/to/file.py:factory"`. Every registered
model passes the contract tests in tests/models/test_models_contract.py.
"""

from learnlab.models.registry import build_model, model_description, model_names, register_model

__all__ = ["build_model", "model_description", "model_names", "register_model"]
