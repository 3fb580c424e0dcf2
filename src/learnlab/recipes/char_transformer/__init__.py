"""char-transformer: a decoder-only character language model on Tiny Shakespeare, and an
encoder classifier on a task that needs attention.

Vaswani et al. (2017), "Attention is all you need"; Radford et al. (2019), "Language models
are unsupervised multitask learners"; Loshchilov & Hutter (2019), "Decoupled weight decay
regularization".

Part 1, `language_model` (language_model.py). The `char-transformer` model (causal
self-attention, pre-LayerNorm blocks, learned positions) learns p(next character | the
previous `context` characters) on the first 90% of Tiny Shakespeare from seeded random windows,
with AdamW, a linear warm-up and cosine decay of the learning rate, and gradient clipping; it
is evaluated after every epoch on the whole held-out last 10%. The target: a validation loss
<= 1.80 nats per character within 10 minutes of training on 2 CPU cores. A seeded sample
(temperature 0.8) goes into the part's report and into `sample.txt` (sample.py).

Part 2, `encoder` (encoder.py). The `transformer-classifier` encoder on "are the two marked
tokens equal?" (`data.marked_pairs`), next to a bag-of-tokens logistic regression that cannot
see which tokens are marked: the task needs one position to find and compare another by
content, what attention does.

The run directory holds summary.json (both parts' numbers, as before: `val_loss_nats`,
`val_bits_per_char`, `encoder_test_accuracy`, ...), metrics.jsonl (the language model's
epochs), sample.txt and report.html; `language_model/` (with model.safetensors, the language
model) and `encoder/` are the parts' own run directories.

Resume: --resume keeps finished parts (the language model trains in minutes, the encoder in
seconds to a minute); a part interrupted midway reruns from its start.

Sizing: one step (32 windows of 128) took 0.51 s of one core's CPU time (1 thread, process
time on a heavily loaded machine, which inflates it), so the default 1,500 steps are at most
about 765 core-seconds. Measured with the default config: 1.598 nats/char (2.305 bits/char)
after 1,500 steps in 378 s of training with 2 threads (692 s with one). A run of 6 x 200 steps
(lr schedule over 1,200) reached validation 2.33 after 200 and 2.01 after 400 steps.
"""

from __future__ import annotations

from learnlab.recipes.char_transformer.config import CharTransformerConfig, check
from learnlab.recipes.context import RunContext
from learnlab.recipes.registry import register_recipe
from learnlab.result import Result

NAME = "char-transformer"


@register_recipe(
    NAME,
    "a decoder-only character transformer on Tiny Shakespeare (target: validation loss <= "
    "1.80 nats/char in <= 10 min on 2 CPU cores) with a text sample, and an encoder "
    "classifier on a marked-pair task beside a bag-of-tokens baseline",
    CharTransformerConfig,
    quick={
        "context": 16,
        "dim": 16,
        "depth": 1,
        "heads": 2,
        "epochs": 2,
        "steps_per_epoch": 25,
        "batch_size": 4,
        "warmup_steps": 2,
        "limit_train_chars": 5000,
        "limit_val_chars": 1000,
        "sample_chars": 30,
        "encoder_train": 64,
        "encoder_test": 32,
        "encoder_epochs": 1,
        "encoder_dim": 8,
        "encoder_depth": 1,
        "progress": False,
    },
)
def run(config: CharTransformerConfig, ctx: RunContext) -> Result:
    import torch

    from learnlab.recipes.char_transformer import encoder, language_model
    from learnlab.recipes.char_transformer.sample import write_sample_file

    check(config)
    # the text, and the prompt against its vocabulary, before anything is written
    streams = language_model.load_streams(config)
    ctx.console.print(f"[bold]{NAME}[/]: part 1, the character language model")
    lm = ctx.part(
        language_model.PART, language_model.train_language_model, config, streams, ctx.console
    )
    ctx.console.print(f"[bold]{NAME}[/]: part 2, the encoder on marked pairs")
    pairs = ctx.part(encoder.PART, encoder.train_encoder, config, ctx.console)
    write_sample_file(ctx.run_dir, lm)
    return _result(config, lm, pairs, torch.get_num_threads())


def _result(config: CharTransformerConfig, lm: Result, pairs: Result, threads: int) -> Result:
    """The parent Result: both parts' summaries merged in the order summary.json always had."""
    from learnlab.recipes.char_transformer import encoder, language_model
    from learnlab.recipes.char_transformer.tables import TARGET_TABLE, target_table

    result = Result(kind=NAME, title=f"{NAME}: a character transformer on Tiny Shakespeare")
    summary = result.summary
    summary["recipe"] = NAME
    result.add_part(language_model.PART, lm)
    summary["reached_target"] = summary["val_loss_nats"] <= config.target_val_loss
    summary["target_val_loss"] = config.target_val_loss
    summary["torch_threads"] = threads
    result.add_part(encoder.PART, pairs)
    summary["encoder_vocab"] = config.encoder_vocab
    summary["validation"] = language_model.validation_text(config, summary["val_characters"])
    result.notes = [
        "Part 1 trains the language model and samples from it (its run directory: "
        "language_model/, with the weights); part 2 trains the encoder on marked pairs "
        "(encoder/). The sample is also in sample.txt.",
        "The curves below are the language model's; every epoch is a fixed number of steps.",
    ]
    result.tables = {TARGET_TABLE: target_table(summary)}
    result.history = lm.history  # metrics.jsonl and the curves: the language model's epochs
    result.index = {
        "dataset": "tiny-shakespeare",
        "model": "char-transformer",
        "val_loss_nats": summary["val_loss_nats"],
    }
    result.headline = (
        f"[bold]{NAME}[/]: val_loss {summary['val_loss_nats']:.4f} nats/char "
        f"({summary['val_bits_per_char']:.3f} bits/char; target <= {config.target_val_loss}) "
        f"in {summary['train_seconds']:.0f} s, {summary['steps']} steps; encoder test accuracy "
        f"{100 * summary['encoder_test_accuracy']:.1f}% (bag of tokens "
        f"{100 * summary['bag_of_tokens_test_accuracy']:.1f}%)"
    )
    return result
