"""The steps of the `word-embeddings` recipe, in order: words, skip-gram, its evaluations
against controls, the language model, sentence probes and neighbours (see word_embeddings.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch

from learnlab.analysis.embeddings import (
    centred,
    mean_vectors,
    partner_ranks,
    probe_accuracy,
    related_pairs_auc,
)
from learnlab.data.words import (
    Vocabulary,
    build_vocabulary,
    encode,
    shakespeare_texts,
    speaker_lines,
    tokenize,
)
from learnlab.io.errors import ConfigError
from learnlab.models.skip_gram import SkipGram
from learnlab.objectives.negative_sampling import keep_probabilities, noise_distribution
from learnlab.recipes import word_embeddings as recipe
from learnlab.recipes.word_embeddings_lm import (
    WordLanguageModel,
    chunks,
    mean_loss,
    train_language_model,
)
from learnlab.recipes.word_embeddings_report import (
    neighbour_table,
    projection_figure,
    sentence_neighbour_table,
)
from learnlab.recipes.word_embeddings_sentences import (
    ProbeSet,
    ids_in_vocabulary,
    ids_with_unknown,
    order_probe,
    play_probe,
)
from learnlab.recipes.word_embeddings_skipgram import (
    SkipGramData,
    heldout_losses,
    train_skip_gram,
)


class _Progress:
    """One rich progress bar per training phase (nothing shown when disabled)."""

    def __init__(self, console, enabled: bool) -> None:
        self.console, self.enabled = console, enabled

    @contextlib.contextmanager
    def phase(self, label: str) -> Iterator[Any]:
        if not self.enabled:
            yield None
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        columns = (
            TextColumn(f"[bold]{label}" + " {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=self.console, transient=True) as progress:
            yield progress


def _words(config) -> tuple[Vocabulary, torch.Tensor, torch.Tensor, list[str], list[str], str]:
    train_text, test_text = shakespeare_texts(config.data_root, config.download)
    train_tokens, test_tokens = tokenize(train_text), tokenize(test_text)
    if config.limit_words is not None:
        train_tokens = train_tokens[: config.limit_words]
        test_tokens = test_tokens[: max(config.limit_words // 9, 100)]
    vocab = build_vocabulary(train_tokens, config.min_count)
    if len(vocab) < 10:
        raise ConfigError(
            f"only {len(vocab)} words occur {config.min_count} times or more in the training "
            "text; lower min_count or raise limit_words."
        )
    text = train_text + test_text
    return (
        vocab,
        encode(train_tokens, vocab),
        encode(test_tokens, vocab),
        train_tokens,
        test_tokens,
        text,
    )


def _skip_gram(config, vocab, train_ids, progress: _Progress):
    counts = vocab.counts_tensor()
    data = SkipGramData(
        keep=keep_probabilities(counts, config.subsample),
        noise=noise_distribution(counts),
        window=config.window,
        negatives=config.negatives,
    )
    torch.manual_seed(config.seed)
    model = SkipGram(len(vocab), config.dim)
    generator = torch.Generator().manual_seed(config.seed)
    with progress.phase("skip-gram") as bar:
        task = None

        def on_epoch(epoch: int, steps: int) -> None:
            nonlocal task
            if bar is not None:
                if task is not None:
                    bar.remove_task(task)
                label = f"epoch {epoch + 1}/{config.epochs}"
                task = bar.add_task(label, total=steps, loss="-")

        def on_step(loss: float) -> None:
            if bar is not None:
                bar.update(task, advance=1, loss=f"{loss:.4f}")

        history, context_counts = train_skip_gram(
            model,
            train_ids,
            data,
            epochs=config.epochs,
            batch_size=config.batch_size,
            lr=config.lr,
            generator=generator,
            on_epoch=on_epoch,
            on_step=on_step,
        )
    return model, data, history, context_counts


def _language_model(config, vocab, train_tokens, test_tokens, progress: _Progress):
    train_ids = ids_with_unknown([train_tokens], vocab)[0]
    test_ids = ids_with_unknown([test_tokens], vocab)[0]
    torch.manual_seed(config.seed)
    model = WordLanguageModel(len(vocab), config.lm_dim, config.lm_hidden)
    generator = torch.Generator().manual_seed(config.seed + 1)
    windows = chunks(train_ids, config.lm_seq_len)
    if len(windows) == 0:
        raise ConfigError(
            f"the training text has {len(train_ids)} words, fewer than lm_seq_len + 1 = "
            f"{config.lm_seq_len + 1}; lower lm_seq_len or raise limit_words."
        )
    steps = -(-len(windows) // config.lm_batch_size) * config.lm_epochs
    with progress.phase("language model") as bar:
        task = bar.add_task(f"{config.lm_epochs} epochs", total=steps, loss="-") if bar else None

        def on_step(loss: float) -> None:
            if bar is not None:
                bar.update(task, advance=1, loss=f"{loss:.4f}")

        history = train_language_model(
            model,
            train_ids,
            seq_len=config.lm_seq_len,
            batch_size=config.lm_batch_size,
            epochs=config.lm_epochs,
            lr=config.lm_lr,
            generator=generator,
            on_step=on_step,
        )
    test_windows = chunks(test_ids, config.lm_seq_len)
    # the control: the training text's unigram distribution (add-one), same vocabulary
    counts = torch.bincount(train_ids, minlength=len(vocab) + 1).to(torch.float64) + 1.0
    unigram_loss = float(-torch.log(counts / counts.sum())[test_windows[:, 1:]].mean())
    return model, history, mean_loss(model, test_windows), unigram_loss


def _probe(config, probe: ProbeSet, vocab, vectors, lm) -> dict[str, float]:
    labels = probe.labels.numpy()
    mean = mean_vectors(vectors, ids_in_vocabulary(probe.sentences, vocab)).numpy()
    state = lm.sentence_states(ids_with_unknown(probe.sentences, vocab)).numpy()
    result = {}
    for name, features in (("mean_vectors", mean), ("lm_state", state)):
        result[name], _ = probe_accuracy(features, labels, config.probe_folds, config.seed)
    return result


def _sentence_neighbours(config, text: str, vocab, vectors, lm):
    queries = list(recipe.QUERY_LINES)
    # distinct lines of >= 4 words in text order, the queries themselves left out
    seen = set(queries)
    pool = []
    for line in speaker_lines(text):
        if len(pool) == config.neighbour_pool:
            break
        if line.text not in seen and len(tokenize(line.text)) >= 4:
            seen.add(line.text)
            pool.append(line.text)
    words_q = [tokenize(q) for q in queries]
    words_p = [tokenize(p) for p in pool]
    features = {
        "mean of word vectors": (
            mean_vectors(vectors, ids_in_vocabulary(words_q, vocab)),
            mean_vectors(vectors, ids_in_vocabulary(words_p, vocab)),
        ),
        "language model state": (
            lm.sentence_states(ids_with_unknown(words_q, vocab)),
            lm.sentence_states(ids_with_unknown(words_p, vocab)),
        ),
    }
    return sentence_neighbour_table(queries, pool, features, k=3)


def run_all(config, console) -> tuple[dict, dict, dict, list[str]]:
    """Every step; returns (summary, tables, figures, notes) for the report."""
    progress = _Progress(console, config.progress)
    vocab, train_ids, test_ids, train_tokens, test_tokens, text = _words(config)
    model, data, history, context_counts = _skip_gram(config, vocab, train_ids, progress)
    vectors = model.word_vectors(add_output=config.add_output_vectors)
    if config.centre_vectors:
        vectors = centred(vectors)
    torch.manual_seed(config.seed + 1)
    untrained = SkipGram(len(vocab), config.dim)
    control = torch.randn(vectors.shape, generator=torch.Generator().manual_seed(config.seed + 2))
    heldout = heldout_losses(model, untrained, test_ids, context_counts, data, config.seed + 3)

    generator = torch.Generator().manual_seed(config.seed + 4)
    related, unrelated, used = recipe.related_pairs(
        vocab, generator, config.random_pairs_per_pair, config.random_pair_vocabulary
    )
    ranks = partner_ranks(vectors, related).to(torch.float64)
    control_ranks = partner_ranks(control, related).to(torch.float64)

    lm, lm_history, lm_val_loss, lm_unigram_loss = _language_model(
        config, vocab, train_tokens, test_tokens, progress
    )
    lines = speaker_lines(text)
    play = play_probe(lines, config.probe_min_words, config.probe_lines, generator)
    order = order_probe(lines, config.probe_min_words, config.probe_lines, generator)
    play_scores = _probe(config, play, vocab, vectors, lm)
    order_scores = _probe(config, order, vocab, vectors, lm)

    summary: dict[str, Any] = {
        "vocabulary_size": len(vocab),
        "train_words": len(train_tokens),
        "train_words_in_vocabulary": len(train_ids),
        "test_words_in_vocabulary": len(test_ids),
        "skipgram_train_loss": history[-1],
        "skipgram_heldout_loss": heldout.model_loss,
        "skipgram_control_loss": heldout.unigram_loss,
        "skipgram_untrained_loss": heldout.untrained_loss,
        "skipgram_heldout_pairs": heldout.pairs,
        "related_pairs_auc": related_pairs_auc(vectors, related, unrelated),
        "related_pairs_auc_control": related_pairs_auc(control, related, unrelated),
        "related_pairs_median_rank": float(ranks.median()),
        "related_pairs_median_rank_control": float(control_ranks.median()),
        "related_pairs_used": len(used),
        "lm_train_loss": lm_history[-1],
        "lm_val_loss": lm_val_loss,
        "lm_val_loss_unigram": lm_unigram_loss,
        "sentence_probe_play_mean_vectors": play_scores["mean_vectors"],
        "sentence_probe_play_lm_state": play_scores["lm_state"],
        "sentence_probe_play_lines": len(play.sentences),
        "sentence_probe_order_mean_vectors": order_scores["mean_vectors"],
        "sentence_probe_order_lm_state": order_scores["lm_state"],
        "sentence_probe_order_lines": len(order.sentences),
        "torch_threads": torch.get_num_threads(),
    }
    words = [w for w in recipe.QUERY_WORDS if w in vocab]
    tables = {
        "nearest neighbours (cosine)": neighbour_table(
            vocab, vectors, control, words, config.neighbours
        ),
        "related pairs: rank of the partner among all words (1 = nearest)": [
            {"pair": f"{a} / {b}", "skip-gram rank": int(r), "random-vector rank": int(c)}
            for (a, b), r, c in zip(used, ranks.tolist(), control_ranks.tolist(), strict=True)
        ],
        "sentence probes (logistic regression, cross-validated accuracy)": [
            {
                "probe": "which play (Romeo and Juliet / Coriolanus)",
                "lines": len(play.sentences),
                "mean of word vectors": f"{100 * play_scores['mean_vectors']:.1f}%",
                "language model state": f"{100 * play_scores['lm_state']:.1f}%",
            },
            {
                "probe": "real word order / shuffled",
                "lines": len(order.sentences),
                "mean of word vectors": f"{100 * order_scores['mean_vectors']:.1f}%",
                "language model state": f"{100 * order_scores['lm_state']:.1f}%",
            },
        ],
        "nearest lines": _sentence_neighbours(config, text, vocab, vectors, lm),
    }
    figures = {
        "frequent words, PCA of the skip-gram vectors": projection_figure(
            vocab, vectors, words=min(120, len(vocab)), skip=min(30, len(vocab) // 4)
        ),
    }
    notes = _notes(config, vocab, summary)
    return summary, tables, figures, notes


def _notes(config, vocab, summary) -> list[str]:
    missing = [w for w in recipe.QUERY_WORDS if w not in vocab]
    kind = "v + u (input plus output vectors)" if config.add_output_vectors else "v (input vectors)"
    notes = [
        f"Words: the lowercase letter runs of Tiny Shakespeare's first 90% "
        f"({summary['train_words']:,} words); the vocabulary holds the {len(vocab):,} words seen "
        f"at least {config.min_count} times.",
        f"Word vectors: {kind}{', minus their mean' if config.centre_vectors else ''}; "
        "similarity is the cosine.",
        "Controls: random vectors (neighbours, related pairs) and, for the held-out loss, the "
        "best scorer that ignores the centre word (log p(context) - log(k q(context))). An "
        "untrained model scores (1 + k) log 2.",
        "Sentence probes use lines of the whole text (both splits): neither representation "
        "saw the labels; the mean of word vectors cannot see word order, so ~50% is what it "
        "must score on the order probe.",
        f"Held-out words outside the vocabulary are dropped for skip-gram; the language model "
        f"maps them to one unknown word. lm_val_loss_unigram ({summary['lm_val_loss_unigram']:.3f}"
        " nats per word) is the unigram model's loss on the same words.",
    ]
    if missing:
        notes.append(f"Query words not in the vocabulary (skipped): {', '.join(missing)}.")
    return notes
