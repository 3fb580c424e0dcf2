"""The few-shot recipe's data and training: MNIST training digits (with rotated versions as
extra classes), and one model per method and seed, each trained through
`learnlab.procedures.base.train_stage` on its own kind of batch (episodes or pairs)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from learnlab.recipes.few_shot.config import FewShotConfig


@dataclass(frozen=True)
class FewShotData:
    train_x: torch.Tensor  # normalised images of the training digits, all versions
    train_y: torch.Tensor  # class labels: digit + version * 10
    test_x: torch.Tensor  # normalised MNIST test images, all ten digits
    test_y: torch.Tensor


def load_data(config: FewShotConfig) -> FewShotData:
    from learnlab.data import load_dataset
    from learnlab.data.transforms import normalize
    from learnlab.recipes.moe_cascade.oneshot import class_versions

    ds = load_dataset("mnist", root=config.data_root, download=config.download)
    stats = {"scale": ds.scale, "mean": ds.mean, "std": ds.std}
    g = torch.Generator().manual_seed(config.seed)
    seen = torch.nonzero(torch.isin(ds.train.y, torch.tensor(config.train_digits))).flatten()
    seen = seen[torch.randperm(len(seen), generator=g)[: config.train_images]]
    x, y = class_versions(
        normalize(ds.train.x[seen], **stats), ds.train.y[seen].long(), config.class_versions
    )
    pool = torch.randperm(len(ds.test.y), generator=g)[: config.test_images]
    return FewShotData(x, y, normalize(ds.test.x[pool], **stats), ds.test.y[pool].long())


def _encoder(config: FewShotConfig, shape: tuple[int, ...], outputs: int) -> nn.Module:
    from learnlab.models import build_model

    return build_model(config.encoder, shape, outputs, **config.encoder_options)


def train_method(method: str, config: FewShotConfig, data: FewShotData, seed: int) -> nn.Module:
    """The model of `method` trained on the training classes from seed `seed`: the encoder
    (prototypical), the Siamese network, or MAML's `test_way`-way classifier."""
    from learnlab.data.episodes import EpisodeLoader
    from learnlab.procedures.base import Stage, train_stage

    torch.manual_seed(seed)
    shape = tuple(data.train_x.shape[1:])
    classes = sorted(int(c) for c in data.train_y.unique())
    stage = Stage(epochs=1, optimizer="adam", lr=config.lr)
    if method == "siamese":
        return _train_siamese(config, data, seed, stage)
    if method == "prototypical":
        model = _encoder(config, shape, config.embedding)
        from learnlab.objectives.prototypical import PrototypicalLoss

        objective = PrototypicalLoss()
        way, shot, episodes = config.train_way, config.train_shot, config.episodes
    else:
        from learnlab.objectives.maml import MAMLLoss

        model = _encoder(config, shape, config.test_way)
        objective = MAMLLoss(config.maml_inner_lr, config.maml_inner_steps, config.maml_first_order)
        way, shot, episodes = config.test_way, config.maml_shot, config.maml_episodes
    loader = EpisodeLoader(
        data.train_x, data.train_y, classes, n_way=way, k_shot=shot,
        n_query=config.train_query, episodes=episodes, seed=seed + 1,
    )  # fmt: skip
    train_stage(model, objective, loader, stage, name=method)
    return model


def _train_siamese(config: FewShotConfig, data: FewShotData, seed: int, stage) -> nn.Module:
    """Koch et al.'s verification network: |e1 - e2| weighted into the logit of "same", codes
    through a sigmoid, binary cross-entropy on pairs (the existing siamese model and pairs)."""
    from learnlab.models import build_model
    from learnlab.procedures.base import train_stage
    from learnlab.recipes.moe_cascade.oneshot import PairLoader
    from learnlab.recipes.moe_cascade.siamese import PairLoss

    model = build_model(
        "siamese", tuple(data.train_x.shape[1:]), 1, encoder=config.encoder,
        encoder_options=dict(config.encoder_options), embedding=config.embedding,
        head="absdiff", code_activation="sigmoid",
    )  # fmt: skip
    loader = PairLoader(
        data.train_x, data.train_y, config.siamese_steps, config.siamese_pairs, seed=seed + 1
    )
    train_stage(model, PairLoss("absdiff", 1.0), loader, stage, name="siamese")
    return model
