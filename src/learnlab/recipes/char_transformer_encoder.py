"""Part 2 of the `char-transformer` recipe: the encoder `transformer-classifier` on "are the
two marked tokens equal?" (`learnlab.data.marked_pairs`), beside a bag-of-tokens baseline.

The transformer trains with the learnlab Trainer (cross-entropy, Adam with a cosine schedule)
on seeded generated examples and is scored once on a separately seeded test set. The baseline
is a logistic regression (scikit-learn) on the token counts of each sequence (plus the count
of marks, always 2): it sees which symbols occur and how often, but not where, so it cannot
know which two tokens the question is about.

The defaults (8 tokens of 4 symbols, 2 blocks of width 64, Adam lr 1e-3, 10 epochs of 8,000
examples) reach 100% test accuracy against 50.7% for the bag of tokens (seed 0). The task has
a plateau at chance: at init attention is near uniform, and equality of two tokens is a
product of their identities that nothing rewards until attention singles out the marks. With
lr 3e-3, or with 16 tokens of 10 symbols, the model stayed at chance for 1,000-1,900 steps.
"""

from __future__ import annotations

from typing import Any

# generator seeds of the encoder task's training and test sets (offsets of the recipe's seed)
TRAIN_SEED_OFFSET = 1_000
TEST_SEED_OFFSET = 2_000


def bag_of_tokens_accuracy(x_train, y_train, x_test, y_test) -> float:
    """Test accuracy of a logistic regression on the bag of tokens (counts per symbol)."""
    from sklearn.linear_model import LogisticRegression

    from learnlab.data.marked_pairs import bag_of_tokens

    classifier = LogisticRegression(max_iter=2000)
    classifier.fit(bag_of_tokens(x_train).numpy(), y_train.numpy())
    return float(classifier.score(bag_of_tokens(x_test).numpy(), y_test.numpy()))


def train_encoder(config, console) -> dict[str, Any]:
    """Train `transformer-classifier` on the marked-pairs task; its and the baseline's scores."""

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
    callbacks = [ProgressBar(console)] if config.progress else []
    trainer = Trainer(model, CrossEntropy(), optimizer, schedule=schedule, callbacks=callbacks)
    history = trainer.fit(loader, config.encoder_epochs)
    test = trainer.evaluate(TensorLoader(x_test, y_test, batch_size=512, shuffle=False))
    return {
        "encoder_test_accuracy": test["accuracy"],
        "encoder_train_accuracy": history[-1]["train_accuracy"],
        "encoder_train_seconds": trainer.train_seconds,
        "encoder_parameters": sum(p.numel() for p in model.parameters()),
        "bag_of_tokens_test_accuracy": bag_of_tokens_accuracy(x_train, y_train, x_test, y_test),
        "majority_test_accuracy": float(max(y_test.float().mean(), 1 - y_test.float().mean())),
    }
