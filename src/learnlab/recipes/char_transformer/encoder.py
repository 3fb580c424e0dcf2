"""Part 2 of char-transformer: the encoder `transformer-classifier` on "are the two marked
tokens equal?" (`learnlab.data.marked_pairs`), beside a bag-of-tokens baseline.

The transformer trains with the Trainer (cross-entropy, Adam with a cosine schedule) on seeded
generated examples and is scored once on a separately seeded test set. The baseline is a
logistic regression (scikit-learn) on the token counts of each sequence (plus the count of
marks, always 2): it sees which symbols occur and how often, but not where, so it cannot know
which two tokens the question is about.

The defaults (8 tokens of 4 symbols, 2 blocks of width 64, Adam lr 1e-3, 10 epochs of 8,000
examples) reach 100% test accuracy against 50.7% for the bag of tokens (seed 0). The task has
a plateau at chance: at init attention is near uniform, and equality of two tokens is a
product of their identities that nothing rewards until attention singles out the marks. With
lr 3e-3, or with 16 tokens of 10 symbols, the model stayed at chance for 1,000-1,900 steps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from learnlab.recipes.char_transformer.config import CharTransformerConfig

if TYPE_CHECKING:
    from rich.console import Console
    from torch import Tensor

    from learnlab.result import Result

PART = "encoder"
# generator seeds of the encoder task's training and test sets (offsets of the recipe's seed)
TRAIN_SEED_OFFSET = 1_000
TEST_SEED_OFFSET = 2_000

NOTE = (
    "Encoder task: a sequence of random tokens with two marked positions; is the marked pair "
    "equal? The answer needs one marked position to find the other by content and compare the "
    "two (alignment, what attention computes); a bag of tokens cannot tell which tokens are "
    "marked, so it stays near chance."
)


def bag_of_tokens_accuracy(x_train: Tensor, y_train: Tensor, x_test: Tensor, y_test: Tensor):
    """Test accuracy of a logistic regression on the bag of tokens (counts per symbol)."""
    from sklearn.linear_model import LogisticRegression

    from learnlab.data.marked_pairs import bag_of_tokens

    classifier = LogisticRegression(max_iter=2000)
    classifier.fit(bag_of_tokens(x_train).numpy(), y_train.numpy())
    return float(classifier.score(bag_of_tokens(x_test).numpy(), y_test.numpy()))


def train_encoder(config: CharTransformerConfig, console: Console | None = None) -> Result:
    """Train `transformer-classifier` on the marked-pairs task; its and the baselines' scores."""
    from learnlab.data.loader import TensorLoader
    from learnlab.data.marked_pairs import marked_pairs
    from learnlab.models import build_model
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.train.callbacks.progress import ProgressBar
    from learnlab.train.optimizers import build_optimizer
    from learnlab.train.schedules import build_schedule
    from learnlab.train.seeding import seed_everything
    from learnlab.train.trainer import Trainer

    task = {"length": config.encoder_length, "vocab": config.encoder_vocab}
    x_train, y_train = marked_pairs(
        config.encoder_train, **task, seed=config.seed + TRAIN_SEED_OFFSET
    )
    x_test, y_test = marked_pairs(config.encoder_test, **task, seed=config.seed + TEST_SEED_OFFSET)
    seed_everything(config.seed)
    model = build_model(
        "transformer-classifier",
        tuple(x_train.shape[1:]),
        2,
        dim=config.encoder_dim,
        depth=config.encoder_depth,
        heads=config.encoder_heads,
    )
    loader = TensorLoader(x_train, y_train, batch_size=config.encoder_batch_size, seed=config.seed)
    optimizer = build_optimizer("adam", model.parameters(), lr=config.encoder_lr)
    schedule = build_schedule("cosine", optimizer, total_steps=config.encoder_epochs * len(loader))
    callbacks = [ProgressBar(console)] if config.progress and console is not None else []
    trainer = Trainer(model, CrossEntropy(), optimizer, schedule=schedule, callbacks=callbacks)
    history = trainer.fit(loader, config.encoder_epochs)
    test = trainer.evaluate(TensorLoader(x_test, y_test, batch_size=512, shuffle=False))
    majority = float(max(y_test.float().mean(), 1 - y_test.float().mean()))
    summary = {
        "encoder_test_accuracy": test["accuracy"],
        "encoder_train_accuracy": history[-1]["train_accuracy"],
        "encoder_train_seconds": trainer.train_seconds,
        "encoder_parameters": sum(p.numel() for p in model.parameters()),
        "bag_of_tokens_test_accuracy": bag_of_tokens_accuracy(x_train, y_train, x_test, y_test),
        "majority_test_accuracy": majority,
    }
    return _result(config, summary, history)


def _result(
    config: CharTransformerConfig, summary: dict[str, Any], history: list[dict[str, Any]]
) -> Result:
    from learnlab.recipes.char_transformer.tables import ENCODER_TABLE, encoder_table
    from learnlab.result import Result

    return Result(
        kind="char-transformer/encoder",
        title="Part 2: an encoder transformer on marked pairs, beside a bag of tokens",
        summary=summary,
        notes=[NOTE],
        tables={ENCODER_TABLE: encoder_table(summary, config.encoder_vocab)},
        history=history,
        config=config.model_dump(mode="json"),
    )
