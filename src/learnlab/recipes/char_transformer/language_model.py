"""Part 1 of char-transformer: a decoder-only character language model on Tiny Shakespeare.

Vaswani et al. (2017), "Attention is all you need"; Radford et al. (2019), "Language models
are unsupervised multitask learners" (causal self-attention, pre-LayerNorm blocks, learned
positions); Loshchilov & Hutter (2019), "Decoupled weight decay regularization" (AdamW).

The model learns p(next character | the previous `context` characters) on the first 90% of
the text. Each step draws `batch_size` random windows (`data.token_windows.RandomWindows`,
seeded) and minimises the next-token cross-entropy (`objectives.language`) with AdamW (decay
on weight matrices and embeddings only), a linear warm-up then cosine decay of the learning
rate (the shared `cosine` schedule with `warmup_steps`, stepped by the Trainer once per
optimizer step), and gradient clipping. After each
"epoch" of `steps_per_epoch` steps the model is evaluated, in eval mode, on the held-out last
10% cut into consecutive non-overlapping windows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from learnlab.io.errors import ConfigError
from learnlab.recipes.char_transformer.config import CharTransformerConfig

if TYPE_CHECKING:
    import torch
    from rich.console import Console
    from torch import Tensor

    from learnlab.result import Result
    from learnlab.train.trainer import Trainer

PART = "language_model"
FIGURE_TITLE = "Loss curve (training steps and validation after each epoch)"


class Streams(NamedTuple):
    """The training and held-out character streams (ids) and the vocabulary."""

    train: Tensor
    test: Tensor
    vocab: list[str]


def load_streams(config: CharTransformerConfig) -> Streams:
    """Tiny Shakespeare as two id streams; the prompt is checked against its vocabulary."""
    import torch

    from learnlab.data import load_dataset

    ds = load_dataset("tiny-shakespeare", root=config.data_root, download=config.download)
    vocab = list(ds.extras["vocab"])
    # the splits hold (x, y) = (s[:-1], s[1:]); the stream is x followed by y's last token
    train = torch.cat([ds.train.x, ds.train.y[-1:]])
    test = torch.cat([ds.test.x, ds.test.y[-1:]])
    if config.limit_train_chars is not None:
        train = train[: config.limit_train_chars]
    if config.limit_val_chars is not None:
        test = test[: config.limit_val_chars]
    for name, stream in (("training", train), ("validation", test)):
        if len(stream) < config.context + 1:
            raise ConfigError(
                f"the {name} text has {len(stream)} characters, too few for context "
                f"{config.context}; raise the limit or lower the context."
            )
    unknown = sorted(set(config.sample_prompt) - set(vocab))
    if unknown:
        raise ConfigError(
            f"sample_prompt has characters that Tiny Shakespeare does not: {unknown}; use "
            "letters, digits, spaces and punctuation, e.g. 'ROMEO:'."
        )
    return Streams(train, test, vocab)


def model_options(config: CharTransformerConfig) -> dict[str, float | int]:
    """The `char-transformer` model's options (also stored with its weights)."""
    return {
        "dim": config.dim,
        "depth": config.depth,
        "heads": config.heads,
        "dropout": config.dropout,
    }


def optimizer_and_schedule(model: torch.nn.Module, config: CharTransformerConfig):
    """AdamW with weight decay on matrices and embeddings (not on biases and LayerNorm gains),
    and the shared cosine schedule with linear warm-up over the run's optimizer steps."""
    from learnlab.train.optimizers import build_optimizer
    from learnlab.train.schedules import build_schedule

    params = list(model.parameters())
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": config.weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
    optimizer = build_optimizer(
        "adamw", groups, lr=config.lr, options={"betas": (0.9, config.beta2)}
    )
    # warm-up to lr over warmup_steps, then cosine to min_lr_fraction*lr over the rest
    schedule = build_schedule(
        "cosine",
        optimizer,
        total_steps=config.total_steps,
        options={"min_fraction": config.min_lr_fraction, "warmup_steps": config.warmup_steps},
    )
    return optimizer, schedule


def train_language_model(
    config: CharTransformerConfig, streams: Streams, console: Console | None = None
) -> Result:
    """Train the character model on `streams` and sample from it: the part's Result."""
    from learnlab.data.loader import TensorLoader
    from learnlab.data.token_windows import RandomWindows, covering_windows
    from learnlab.models import build_model
    from learnlab.objectives.language import NextTokenCrossEntropy
    from learnlab.recipes.char_transformer.sample import generate_sample
    from learnlab.train.callbacks.grad_clip import GradientClipping
    from learnlab.train.callbacks.loss_curve import LossCurve
    from learnlab.train.callbacks.progress import ProgressBar
    from learnlab.train.seeding import seed_everything
    from learnlab.train.trainer import Trainer

    seed_everything(config.seed)  # the weights and the dropout masks draw from it
    vocab = streams.vocab
    model = build_model("char-transformer", (config.context,), len(vocab), **model_options(config))
    optimizer, schedule = optimizer_and_schedule(model, config)
    # the windows draw from the loader's own seeded generator, not the global one
    loader = RandomWindows(
        streams.train,
        context=config.context,
        batch_size=config.batch_size,
        batches_per_epoch=config.steps_per_epoch,
        seed=config.seed,
    )
    val_x, val_y = covering_windows(streams.test, config.context)
    val_loader = TensorLoader(val_x, val_y, batch_size=config.eval_batch_size, shuffle=False)
    curve = LossCurve()
    callbacks = [curve, GradientClipping(config.grad_clip)]
    if config.progress and console is not None:
        callbacks.append(ProgressBar(console))
    trainer = Trainer(
        model, NextTokenCrossEntropy(), optimizer, schedule=schedule, callbacks=callbacks
    )
    trainer.fit(loader, config.epochs, val_loader=val_loader)
    sample = generate_sample(model, config, vocab)
    return _result(config, trainer, curve.losses, int(val_y.numel()), vocab, sample)


def _result(
    config: CharTransformerConfig,
    trainer: Trainer,
    step_losses: list[float],
    val_characters: int,
    vocab: list[str],
    sample: str,
) -> Result:
    from learnlab.objectives.language import NATS_PER_BIT
    from learnlab.recipes.char_transformer.figures import loss_curve_figure
    from learnlab.recipes.char_transformer.sample import SAMPLE_TABLE, sample_rows
    from learnlab.result import FigureSpec, Result, SavedModel

    history, model = trainer.history, trainer.model
    last = history[-1]
    summary = {
        "val_loss_nats": last["val_loss"],
        "val_bits_per_char": last["val_loss"] / NATS_PER_BIT,
        "val_accuracy": last["val_accuracy"],
        "train_loss": last["train_loss"],
        "steps": trainer.step,
        "train_seconds": trainer.train_seconds,
        "parameters": sum(p.numel() for p in model.parameters()),
        "val_characters": val_characters,
    }
    info = {
        "model": "char-transformer",
        "options": model_options(config),
        "input_shape": [config.context],
        "num_outputs": len(vocab),
        "dataset": "tiny-shakespeare",
        "task": "language",
        "vocab": vocab,
    }
    curve = {
        "step_losses": step_losses,
        "steps_per_epoch": config.steps_per_epoch,
        "val_epochs": [h["epoch"] for h in history],
        "val_losses": [h["val_loss"] for h in history],
    }
    return Result(
        kind="char-transformer/language-model",
        title="Part 1: a character transformer language model on Tiny Shakespeare",
        summary=summary,
        notes=_notes(config, val_characters),
        tables={SAMPLE_TABLE: sample_rows(sample)},
        figures=[FigureSpec(FIGURE_TITLE, loss_curve_figure, curve)],
        history=history,
        models={"model": SavedModel(model, info)},
        config=config.model_dump(mode="json"),
    )


def validation_text(config: CharTransformerConfig, val_characters: int) -> str:
    """What the validation loss is measured on (a summary value and a note)."""
    return (
        f"the held-out last 10% of the text ({val_characters} predicted characters), cut "
        f"into consecutive windows of {config.context}, in eval mode"
    )


def _notes(config: CharTransformerConfig, val_characters: int) -> list[str]:
    return [
        f"Validation: {validation_text(config, val_characters)}; every epoch is "
        f"{config.steps_per_epoch} steps of {config.batch_size} random training windows.",
        "train_seconds is the training loop only (not the evaluations or the sample).",
        f"Sample (seed {config.seed}, temperature {config.temperature:g}, prompt "
        f"{config.sample_prompt!r}, {config.sample_chars} characters): the table below, and "
        "sample.txt in the recipe's run directory.",
    ]
