"""The dense and the convolutional autoencoder: a code of `code` numbers, a Bernoulli decoder,
trained on the binary cross-entropy of the clean image (Hinton & Salakhutdinov 2006, "Reducing
the dimensionality of data with neural networks"; Masci, Meier, Ciresan & Schmidhuber 2011,
"Stacked convolutional auto-encoders for hierarchical feature extraction")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from learnlab.recipes.autoencoders.config import AutoencodersConfig, model_specs
from learnlab.recipes.autoencoders.data import Mnist
from learnlab.recipes.autoencoders.training import part_result, reconstruction_metrics, train
from learnlab.result import Result

if TYPE_CHECKING:
    from rich.console import Console

NOTES = {
    "dense": "A dense autoencoder (Hinton & Salakhutdinov 2006): fully connected encoder and "
    "decoder through a code of {code} numbers.",
    "conv": "A convolutional autoencoder (Masci et al. 2011): strided convolutions down to a "
    "code of {code} numbers, transposed convolutions back up.",
}


def train_autoencoder(
    kind: str, config: AutoencodersConfig, data: Mnist, console: Console
) -> Result:
    """Train the `kind` ("dense" or "conv") autoencoder and score its test reconstructions."""
    from learnlab.objectives.reconstruction import ReconstructionLoss

    spec = model_specs(config)[kind]
    objective = ReconstructionLoss("bce", corruption=None, seed=config.seed)
    trained = train(spec, objective, config, data.x_train, console)
    metrics = reconstruction_metrics(trained.model, data.x_test)
    note = NOTES[kind].format(code=config.code)
    return part_result(kind, spec, trained, metrics, data.scale, note)
