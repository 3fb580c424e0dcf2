"""Greedy layer-wise pre-training with denoising autoencoders (Bengio, Lamblin, Popovici &
Larochelle 2007, "Greedy layer-wise training of deep networks"; Vincent, Larochelle, Bengio &
Manzagol 2008, "Extracting and composing robust features with denoising autoencoders"), as
Erhan et al. (2010) pre-train their networks:

    h_0 = x;  for k = 1..L: train a denoising autoencoder on h_{k-1} (masking noise, Bernoulli
    cross-entropy against the clean h_{k-1}); h_k = sigmoid(W_k h_{k-1} + b_k), its code

The autoencoder is learnlab's `autoencoder` model with `hidden=[]`, `code=width`,
`activation="sigmoid"`, `code_activation=True` (Linear -> sigmoid -> Linear); the objective is
`learnlab.objectives.reconstruction.ReconstructionLoss`. The encoders' (W_k, b_k) initialise
the hidden layers of the supervised MLP.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from learnlab.recipes.pretraining_variance.config import PretrainingVarianceConfig

if TYPE_CHECKING:
    from torch import Tensor


def pretrain_layers(x: Tensor, config: PretrainingVarianceConfig, seed: int) -> list[dict]:
    """[(weight, bias) of layer k as a dict] for k = 1..layers, from `torch.manual_seed(seed)`."""
    import torch

    from learnlab.data.loader import TensorLoader
    from learnlab.models import build_model
    from learnlab.objectives.reconstruction import Corruption, ReconstructionLoss
    from learnlab.train.optimizers import build_optimizer
    from learnlab.train.trainer import Trainer

    torch.manual_seed(seed)
    h = x.flatten(1)
    layers = []
    for k in range(config.layers):
        ae = build_model(
            "autoencoder",
            (h.shape[1],),
            1,
            code=config.width,
            hidden=[],
            activation="sigmoid",
            code_activation=True,
        )
        objective = ReconstructionLoss(
            "bce", corruption=Corruption(masking=config.masking), seed=seed + k
        )
        optimizer = build_optimizer("adam", ae.parameters(), lr=config.pretrain_lr)
        loader = TensorLoader(h, batch_size=config.batch_size, seed=seed + k)
        Trainer(ae, objective, optimizer).fit(loader, epochs=config.pretrain_epochs)
        ae.eval()
        with torch.no_grad():
            h = torch.cat([ae.encode(h[i : i + 2000]) for i in range(0, len(h), 2000)])
            linear = ae.encoder[0]
            layers.append({"weight": linear.weight.clone(), "bias": linear.bias.clone()})
    return layers
