"""Part (b) of pretrain-finetune: the char-transformer pre-trained as a next-character model on
Tiny Shakespeare (without the test lines), then fine-tuned to tell which of the K most
frequent speakers says a line, from few labelled lines, against the same network from random
initialisation, a character n-gram TF-IDF logistic regression, and the majority class.

The language model is trained once, by the char-transformer recipe's own training
(`char_transformer.language_model.train_language_model`: AdamW, warm-up and cosine decay,
gradient clipping) on the first 95% of the pre-training text, its loss measured on the other
5%; the seeds share it. Per seed and label count: a balanced labelled subset of the pool
(speaker_data.py), then `procedures.transfer.fine_tune` (every layer, Adam) of the pre-trained
classifier and of the same architecture freshly initialised, for the same epochs at the same
learning rate, and the n-gram model fitted on the same lines. Scores: accuracy on every test
line of the K speakers.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from learnlab.recipes.pretrain_finetune.config import PretrainFinetuneConfig
from learnlab.recipes.pretrain_finetune.speaker_result import METHODS, PART

__all__ = ["PART", "run_speakers"]

if TYPE_CHECKING:
    from rich.console import Console
    from torch import nn

    from learnlab.recipes.pretrain_finetune.speaker_data import SpeakerSplit

LM_VALIDATION_FRACTION = 0.05


def load_split(config: PretrainFinetuneConfig) -> tuple[SpeakerSplit, list[str]]:
    """The speaker split of the whole text, and the text's character vocabulary."""
    from learnlab.data.builtin_other import encode_chars
    from learnlab.data.words import shakespeare_texts
    from learnlab.recipes.pretrain_finetune.speaker_data import split_speakers

    train, test = shakespeare_texts(config.data_root, config.download)
    text = train + test
    _, vocab = encode_chars(text)
    return split_speakers(text, config.speakers, config.speaker_test_fraction), vocab


def language_model_config(config: PretrainFinetuneConfig):
    """The char-transformer recipe's settings for this part's language model."""
    from learnlab.recipes.char_transformer.config import CharTransformerConfig

    return CharTransformerConfig(
        context=config.speaker_context,
        dim=config.lm_dim,
        depth=config.lm_depth,
        heads=config.lm_heads,
        batch_size=config.lm_batch_size,
        epochs=config.lm_epochs,
        steps_per_epoch=config.lm_steps_per_epoch,
        lr=config.lm_lr,
        warmup_steps=config.lm_warmup_steps,
        sample_chars=200,
        seed=config.seed,
        progress=config.progress,
    )


def pretrain(config: PretrainFinetuneConfig, text: str, vocab: list[str], console: Console | None):
    """The language model trained on `text` (its last 5% held out for its loss): (the model,
    the char-transformer recipe's part Result)."""
    from learnlab.data.builtin_other import encode_chars
    from learnlab.io.errors import ConfigError
    from learnlab.recipes.char_transformer.language_model import Streams, train_language_model

    ids, own = encode_chars(text)
    lookup = {c: vocab.index(c) for c in own}
    ids = ids.apply_(lambda i: lookup[own[i]])  # the text's ids in the whole text's vocabulary
    cut = int(len(ids) * (1 - LM_VALIDATION_FRACTION))
    if cut <= config.speaker_context or len(ids) - cut <= config.speaker_context:
        raise ConfigError(
            f"the pre-training text ({len(ids)} characters) is too short for windows of "
            f"speaker_context={config.speaker_context}; lower it."
        )
    streams = Streams(ids[:cut], ids[cut:], vocab)
    lm = train_language_model(language_model_config(config), streams, console)
    return lm.models["model"].module, lm


def classifier(body: nn.Module, config: PretrainFinetuneConfig, vocab: list[str], seed: int):
    """`body` (a char-transformer) as a speaker classifier; the head drawn from `seed`."""
    import torch

    from learnlab.recipes.pretrain_finetune.speaker_model import SpeakerClassifier

    torch.manual_seed(seed)
    return SpeakerClassifier(body, config.lm_dim, config.speakers, pad=len(vocab))


def fresh_body(config: PretrainFinetuneConfig, vocab: list[str], seed: int) -> nn.Module:
    """The same char-transformer, randomly initialised (GPT-2's scheme) from `seed`."""
    import torch

    from learnlab.models import build_model

    torch.manual_seed(seed)
    options = {"dim": config.lm_dim, "depth": config.lm_depth, "heads": config.lm_heads}
    return build_model("char-transformer", (config.speaker_context,), len(vocab), **options)


def fine_tuned_accuracy(model: nn.Module, config: PretrainFinetuneConfig, data, seed: int) -> float:
    """Every layer of `model` (or only its head: speaker_linear_probe) trained on the labelled
    lines; its test accuracy."""
    import torch

    from learnlab.data.loader import TensorLoader
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.procedures.base import Stage
    from learnlab.procedures.transfer import fine_tune, model_layers

    x, y = data["x_train"], data["y_train"]
    loader = TensorLoader(x, y, batch_size=min(config.speaker_batch_size, len(x)), seed=seed)
    torch.manual_seed(seed)
    stage = Stage(epochs=config.speaker_epochs, lr=config.speaker_lr)
    # a linear probe: every layer but the new head frozen
    k = len(model_layers(model)) - 1 if config.speaker_linear_probe else 0
    fine_tune(model, CrossEntropy(), loader, stage, k=k)
    model.eval()
    with torch.no_grad():
        predicted = torch.cat([model(chunk).argmax(dim=1) for chunk in data["x_test"].split(256)])
    return float((predicted == data["y_test"]).float().mean())


def ngram_accuracy(train_lines, test_lines) -> float:
    """Character 1- to 4-grams (within words), TF-IDF weighted, and a logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True),
        LogisticRegression(max_iter=2000),
    )
    model.fit([line.text for line in train_lines], [line.speaker for line in train_lines])
    predicted = model.predict([line.text for line in test_lines])
    return sum(p == line.speaker for p, line in zip(predicted, test_lines, strict=True)) / len(
        test_lines
    )


def run_seed(config, split, vocab, language_model, seed: int) -> dict[int, dict[str, float]]:
    """Test accuracy by label count and method, for one seed."""
    import learnlab.recipes.pretrain_finetune.speaker_data as sd

    x_test = sd.encode_lines(split.test, vocab, config.speaker_context)
    y_test = sd.speaker_labels(split.test, split.speakers)
    accuracy: dict[int, dict[str, float]] = {}
    for count in config.speaker_label_counts:
        lines = sd.balanced_lines(split.pool, split.speakers, count, seed)
        data: dict[str, Any] = {
            "x_train": sd.encode_lines(lines, vocab, config.speaker_context),
            "y_train": sd.speaker_labels(lines, split.speakers),
            "x_test": x_test,
            "y_test": y_test,
        }
        scratch = classifier(fresh_body(config, vocab, seed), config, vocab, seed)
        tuned = classifier(copy.deepcopy(language_model), config, vocab, seed)
        accuracy[count] = {
            METHODS[0]: fine_tuned_accuracy(scratch, config, data, seed),
            METHODS[1]: fine_tuned_accuracy(tuned, config, data, seed),
            METHODS[2]: ngram_accuracy(lines, split.test),
        }
    return accuracy


def run_speakers(config: PretrainFinetuneConfig, console: Console | None = None):
    """Part (b): pre-train once, then every seed; the part's Result (speaker_result.py)."""
    from learnlab.recipes.pretrain_finetune.speaker_data import balanced_lines
    from learnlab.recipes.pretrain_finetune.speaker_result import speaker_result
    from learnlab.result import percent

    split, vocab = load_split(config)
    for count in config.speaker_label_counts:  # refuse a label count before pre-training
        balanced_lines(split.pool, split.speakers, count, config.seed)
    language_model, lm = pretrain(config, split.pretrain_text, vocab, console)
    seeds = []
    for seed in config.seed_list():
        seeds.append(run_seed(config, split, vocab, language_model, seed))
        if console is not None:
            shown = "; ".join(
                f"{count} labels: " + ", ".join(f"{m} {percent(a, 1)}" for m, a in scores.items())
                for count, scores in seeds[-1].items()
            )
            console.print(f"speakers, seed {seed}: test accuracy {shown}")
    return speaker_result(config, split, lm, seeds)
