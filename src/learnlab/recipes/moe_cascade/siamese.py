"""One-shot classification of digits never seen in training, with a siamese network.

Koch, Zemel & Salakhutdinov (2015), "Siamese neural networks for one-shot image recognition",
after Bromley et al. (1993) (see `learnlab.models.siamese`). Lecture 003's setting: training
data come from classes 1..C; at test time each of M new classes is known by a single
labelled example, and a query is assigned to the class whose example it resembles most.

Here: MNIST digits 0-6 train a siamese network (an MLP encoder shared by both inputs, the
Euclidean distance between the codes, the contrastive loss of Hadsell et al. 2006) on random
pairs, half of them of one class. Seven classes are few: trained on the plain digits, the
network learns what tells 0-6 apart and maps new digits onto those seven clusters (measured
here: 39% to 55% on 3-way episodes of 7, 8, 9, below the pixel baseline's 57%). So, as
Santoro, Bartunov, Botvinick, Wierstra & Lillicrap (2016), "Meta-learning with
memory-augmented neural networks" (ICML) did for Omniglot, transformed images count as new
classes: each digit 0-6 transposed, turned 90 degrees left and 90 degrees right gives 28
classes in all (no half turn: a 6 turned 180 degrees is a 9, a held-out digit).

Evaluation uses only test images of the held-out digits 7, 8, 9, upright: each episode
draws one support image per held-out digit and a query image of one of them (never the
support image itself); the prediction is the support with the highest similarity. The
baseline answers the same episodes by the nearest support in raw pixel space (Euclidean
distance). Accuracies are means over many seeded episodes, with binomial
standard errors. The same test on test images of the seen digits (7-way) shows what the
network does learn.

Measured (defaults, one thread, 2026-12-06): unseen digits 55.1% (seed 0) and 62.6% (seed 1)
against 56.6% for pixels, a small gain at best (other step counts: 55% to 70%); seen digits
81.3% and 82.7% against 53.1% and 50.0%. The features transfer to new classes only
as far as the few training classes allow.
"""

from __future__ import annotations

import math
import time
from typing import Any

import torch
from pydantic import Field, field_validator

from learnlab.config import DataRecipeConfig, StrictModel
from learnlab.objectives.base import Objective
from learnlab.result import FigureSpec, Result


class SiameseConfig(StrictModel):
    """Settings of the siamese one-shot experiment; the defaults are the recipe's (the seed, the
    data and the progress switch are the recipe's own, `shared`)."""

    held_out: list[int] = Field(default_factory=lambda: [7, 8, 9], min_length=2, max_length=8)
    encoder: str = "mlp"
    encoder_options: dict[str, Any] = Field(default_factory=dict)
    embedding: int = Field(32, ge=1, le=4096)
    head: str = Field("euclidean", pattern="^(absdiff|euclidean)$")
    code_activation: str = "identity"
    margin: float = Field(1.0, gt=0, le=100)  # of the contrastive loss (euclidean head)
    # how many versions of each seen digit are classes of their own: 1 = the digits only; 2-4
    # add the transposed, the turned-left, the turned-right digits
    class_versions: int = Field(4, ge=1, le=4)
    train_images: int = Field(40_000, ge=10, le=60_000)  # of the seen digits, all versions
    steps: int = Field(600, ge=1, le=1_000_000)
    batch_pairs: int = Field(128, ge=2, le=65_536)
    lr: float = Field(1e-3, gt=0, le=1)
    test_images: int = Field(10_000, ge=10, le=10_000)  # pool of test images, all digits
    episodes: int = Field(3000, ge=1, le=1_000_000)
    figure_episodes: int = Field(6, ge=0, le=20)

    @field_validator("held_out")
    @classmethod
    def _held_out(cls, v: list[int]) -> list[int]:
        if len(set(v)) != len(v) or not all(0 <= d <= 9 for d in v) or len(v) > 8:
            raise ValueError(f"held_out must be distinct digits 0-9, e.g. [7, 8, 9]; got {v}")
        return v


def _load(config: SiameseConfig, shared: DataRecipeConfig) -> tuple[torch.Tensor, ...]:
    """Normalised training images of the seen digits (in `class_versions` versions, labels as
    in `class_versions`) and `test_images` normalised test images of all digits."""
    from learnlab.data import load_dataset
    from learnlab.data.transforms import normalize
    from learnlab.recipes.moe_cascade.oneshot import class_versions

    ds = load_dataset("mnist", root=shared.data_root, download=shared.download)
    stats = {"scale": ds.scale, "mean": ds.mean, "std": ds.std}
    held = torch.tensor(config.held_out)
    split_gen = torch.Generator().manual_seed(shared.seed)
    seen = torch.nonzero(~torch.isin(ds.train.y, held)).flatten()
    seen = seen[torch.randperm(len(seen), generator=split_gen)[: config.train_images]]
    pool = torch.randperm(len(ds.test.y), generator=split_gen)[: config.test_images]
    x, y = class_versions(
        normalize(ds.train.x[seen], **stats), ds.train.y[seen], config.class_versions
    )
    return (
        x,
        y,
        normalize(ds.test.x[pool], **stats),
        ds.test.y[pool],
    )


class PairLoss(Objective):
    """The loss of a batch of pairs (first images, second images, same): the contrastive loss
    of the distances (Hadsell et al. 2006) for the euclidean head, binary cross-entropy of the
    logits for the absdiff head."""

    def __init__(self, head: str, margin: float) -> None:
        self.head, self.margin = head, margin

    def __call__(self, model, batch):
        from torch.nn.functional import binary_cross_entropy_with_logits

        from learnlab.models.siamese import contrastive_loss

        first, second, same = batch
        out = model(first, second)[:, 0]
        if self.head == "absdiff":
            return binary_cross_entropy_with_logits(out, same), {}
        return contrastive_loss(out, same, self.margin), {}


def _train(
    model,
    x: torch.Tensor,
    y: torch.Tensor,
    config: SiameseConfig,
    shared: DataRecipeConfig,
    console,
) -> list[float]:
    """Adam on `steps` batches of random pairs (one Trainer epoch); the loss of each step."""
    from learnlab.recipes.moe_cascade.oneshot import PairLoader
    from learnlab.recipes.moe_cascade.training import step_bar
    from learnlab.train.callbacks.loss_curve import LossCurve
    from learnlab.train.trainer import Trainer

    loader = PairLoader(x, y, config.steps, config.batch_pairs, seed=shared.seed + 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    curve = LossCurve()
    with step_bar(console if shared.progress else None, "siamese", config.steps) as bar:
        trainer = Trainer(
            model, PairLoss(config.head, config.margin), optimizer, callbacks=[curve, *bar]
        )
        trainer.fit(loader, epochs=1)
    return curve.losses


def run_siamese(config: SiameseConfig, shared: DataRecipeConfig, console) -> Result:
    """Train on digits outside `held_out`, evaluate N-way one-shot episodes on `held_out`
    (and, for comparison, on test images of the digits seen in training)."""
    from learnlab.models import build_model
    from learnlab.recipes.moe_cascade.oneshot import oneshot_episodes
    from learnlab.recipes.moe_cascade.training import part_settings

    started = time.perf_counter()
    classes = list(config.held_out)
    x, y, test_x, test_y = _load(config, shared)
    torch.manual_seed(shared.seed)
    options = {
        "encoder": config.encoder,
        "encoder_options": dict(config.encoder_options),
        "embedding": config.embedding,
        "head": config.head,
        "code_activation": config.code_activation,
    }
    model = build_model("siamese", tuple(x.shape[1:]), 1, **options)
    losses = _train(model, x, y, config, shared, console)

    seen = sorted(set(range(10)) - set(classes))
    held_pool = torch.isin(test_y, torch.tensor(classes))
    pool_x, pool_y = test_x[held_pool], test_y[held_pool]
    unseen = oneshot_episodes(model, pool_x, pool_y, classes, config.episodes, shared.seed + 2)
    known = oneshot_episodes(
        model, test_x[~held_pool], test_y[~held_pool], seen, config.episodes, shared.seed + 3
    )
    summary = {
        "siamese_oneshot_accuracy": unseen["accuracy"],
        "siamese_pixel_nn_oneshot_accuracy": unseen["pixel_accuracy"],
        "siamese_oneshot_accuracy_stderr": _stderr(unseen["accuracy"], config.episodes),
        # the same test on the digits seen in training (N = their number): does it work there?
        "siamese_seen_digits_oneshot_accuracy": known["accuracy"],
        "siamese_seen_digits_pixel_nn_oneshot_accuracy": known["pixel_accuracy"],
        "siamese_n_ways": len(classes),
        "siamese_episodes": config.episodes,
        "siamese_parameters": sum(p.numel() for p in model.parameters()),
        "siamese_final_train_loss": sum(losses[-50:]) / len(losses[-50:]),
        "seconds": time.perf_counter() - started,
    }
    return Result(
        kind="moe-cascade/siamese",
        title="One-shot classification of unseen digits with a siamese network",
        summary=summary,
        config=part_settings(config, shared),
        notes=[_note(config, len(x), len(pool_x), summary)],
        tables={"siamese one-shot accuracy": _rows(config, summary)},
        figures=_episode_figures(config, pool_x, unseen),
    )


def _stderr(p: float, episodes: int) -> float:
    """The binomial standard error of an accuracy `p` over `episodes` episodes."""
    return math.sqrt(p * (1 - p) / episodes)


def _rows(config: SiameseConfig, s: dict[str, Any]) -> list[dict[str, str]]:
    classes = list(config.held_out)
    seen = sorted(set(range(10)) - set(classes))
    unseen_column = f"{len(classes)}-way, unseen digits {classes}"
    seen_column = f"{len(seen)}-way, seen digits (test images)"

    def cell(p: float) -> str:
        return f"{100 * p:.1f}% ± {100 * _stderr(p, config.episodes):.1f}"

    return [
        {
            "method": f"siamese ({config.encoder} encoder, {config.head} head)",
            unseen_column: cell(s["siamese_oneshot_accuracy"]),
            seen_column: cell(s["siamese_seen_digits_oneshot_accuracy"]),
        },
        {
            "method": "nearest neighbour in pixel space",
            unseen_column: cell(s["siamese_pixel_nn_oneshot_accuracy"]),
            seen_column: cell(s["siamese_seen_digits_pixel_nn_oneshot_accuracy"]),
        },
        {
            "method": "chance",
            unseen_column: f"{100 / len(classes):.1f}%",
            seen_column: f"{100 / len(seen):.1f}%",
        },
    ]


def _episode_figures(config: SiameseConfig, pool_x: torch.Tensor, unseen: dict) -> list:
    """The first `figure_episodes` episodes on the unseen digits: supports, query, choice."""
    from learnlab.recipes.moe_cascade.figures import episode_figure

    shown = min(config.figure_episodes, config.episodes)
    if not shown:
        return []
    images = torch.cat([unseen["support"][:shown], unseen["query"][:shown, None]], dim=1)
    data = {
        "images": pool_x[images][:, :, 0],  # (episode, support... query, H, W)
        "answer": unseen["answer"][:shown].tolist(),
        "guess": unseen["guess"][:shown].tolist(),
        "classes": list(config.held_out),
    }
    return [FigureSpec("siamese one-shot episodes", episode_figure, data)]


def _note(config: SiameseConfig, train_images: int, pool: int, s: dict[str, Any]) -> str:
    from learnlab.recipes.moe_cascade.oneshot import VERSIONS

    classes = list(config.held_out)
    seen = sorted(set(range(10)) - set(classes))
    n_ways = len(classes)
    accuracy, pixel = s["siamese_oneshot_accuracy"], s["siamese_pixel_nn_oneshot_accuracy"]
    return (
        f"Siamese one-shot: trained for {config.steps} steps of {config.batch_pairs} pairs "
        f"(half of one class) on {train_images} MNIST training images of digits {seen} "
        f"({config.class_versions} version(s) of each digit as classes: "
        f"{', '.join(name for name, _ in VERSIONS[: config.class_versions])}); evaluated on "
        f"{config.episodes} {n_ways}-way one-shot episodes from {pool} test images of "
        f"the never-seen digits {classes} (one support image per digit, standard errors "
        f"binomial). The siamese network reaches {100 * accuracy:.1f}% against "
        f"{100 * pixel:.1f}% for nearest neighbour in pixel space "
        f"(chance {100 / n_ways:.1f}%). On {len(seen)}-way episodes of test images of the "
        f"digits it was trained on, it reaches "
        f"{100 * s['siamese_seen_digits_oneshot_accuracy']:.1f}% (pixels "
        f"{100 * s['siamese_seen_digits_pixel_nn_oneshot_accuracy']:.1f}%): the gap between the "
        "two says how much of what the encoder learnt is specific to the training classes (Koch "
        "et al. trained on the 964 characters of Omniglot's 30 background alphabets, not on "
        "seven classes)."
    )
