"""word-embeddings: skip-gram word vectors and two kinds of sentence vectors on Tiny Shakespeare.

Word vectors (part `skipgram`, skipgram.py): skip-gram with negative sampling (Mikolov,
Sutskever, Chen, Corrado & Dean, 2013, "Distributed representations of words and phrases and
their compositionality"; `learnlab.objectives.negative_sampling`) trained on the words of the
first 90% of Tiny Shakespeare (corpus.py). The word vectors compared are v + u (input plus
output vectors; Levy, Goldberg & Dagan, 2015, "Improving distributional similarity with lessons
learned from word embeddings") minus their mean (Mu & Viswanath, 2018, "All-but-the-top: simple
and effective postprocessing for word representations"): on this corpus of 180,000 words that
raised the related-pairs AUC from 0.72 (v alone, not centred: every cosine was about 0.9) to
0.86. Each result stands next to a control:
- nearest neighbours (cosine) of chosen words, beside those under random vectors (vectors.py);
- the held-out negative-sampling loss on the last 10% of the text, beside the best scorer that
  ignores the centre word (the unigram baseline, skipgram.py);
- ~25 hand-made related pairs (thee/thou, king/queen, ...) against random pairs: the ROC AUC of
  the cosine similarity and the median rank of the partner among all words, beside the same
  numbers under random vectors (vectors.py);
- a 2-d PCA projection of frequent words (figures.py).

Sentence vectors of lines of the plays (sentences.py): (a) the mean of the line's word vectors;
(b) the final hidden state of a word-level GRU language model (Cho et al., 2014, "Learning
phrase representations using RNN encoder-decoder for statistical machine translation"; as in
Kiros et al., 2015, "Skip-thought vectors", and Dai & Le, 2015, "Semi-supervised sequence
learning") trained on the same text (part `language_model`, language_model.py). Linear probes
(cross-validated logistic regression) ask which play a line comes from (meaning) and whether
its words are in their real order (order); the mean of word vectors is order-blind by
construction. Nearest-neighbour lines of three famous lines show what each representation
calls similar.

Both trainings run on the Trainer. Resume: `--resume` keeps finished parts (the skip-gram
vectors and the language model, read back from their directories); the evaluations after them
run again, in seconds.

Measured here (default config, seed 0, 1 thread): vocabulary 3,087 words; held-out loss 2.634
against 2.652 for the unigram control (4.159 untrained); related pairs AUC 0.859 against 0.472,
median partner rank 81 against 1,535; language model 5.31 nats per word against 5.83 for the
unigram model; probes (3,000 lines each, chance 50%): which play 77.5% (mean of word vectors)
and 59.3% (LM state), real order or shuffled 50.7% and 67.3%.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from learnlab.recipes.context import RunContext
from learnlab.recipes.registry import register_recipe
from learnlab.recipes.word_embeddings.config import WordEmbeddingsConfig, check
from learnlab.result import Result, percent

if TYPE_CHECKING:
    import torch

    from learnlab.data.words import SpokenLine, Vocabulary
    from learnlab.recipes.word_embeddings.corpus import Words
    from learnlab.recipes.word_embeddings.language_model import WordLanguageModel
    from learnlab.recipes.word_embeddings.sentences import ProbeSet

NAME = "word-embeddings"


@register_recipe(
    NAME,
    "skip-gram word vectors on Tiny Shakespeare (neighbours, related pairs, held-out loss "
    "against controls) and sentence vectors (mean of word vectors vs. a GRU language model's "
    "state) probed for meaning and word order",
    WordEmbeddingsConfig,
    quick={
        "limit_words": 3000,
        "min_count": 2,
        "dim": 8,
        "epochs": 1,
        "lm_epochs": 1,
        "lm_dim": 8,
        "lm_hidden": 8,
        "probe_lines": 40,
        "probe_folds": 2,
        "neighbour_pool": 300,
        "progress": False,
    },
)
def run(config: WordEmbeddingsConfig, ctx: RunContext) -> Result:
    import time

    import torch

    from learnlab.recipes.word_embeddings.corpus import read_words
    from learnlab.recipes.word_embeddings.language_model import (
        language_model_part,
        load_language_model,
    )
    from learnlab.recipes.word_embeddings.skipgram import skipgram_part

    check(config)
    start = time.perf_counter()
    words = read_words(config)  # refuses settings the text cannot serve, before any part
    skipgram = ctx.part("skipgram", skipgram_part, config, words, ctx.console)
    language = ctx.part("language_model", language_model_part, config, words, ctx.console)
    lm = load_language_model(ctx.part_dir("language_model"))
    result = _evaluate(config, words, skipgram, language, lm)
    result.summary["torch_threads"] = torch.get_num_threads()
    result.summary["seconds"] = time.perf_counter() - start
    return result


def _evaluate(
    config: WordEmbeddingsConfig,
    words: Words,
    skipgram: Result,
    language: Result,
    lm: WordLanguageModel,
) -> Result:
    """The word vectors against random vectors, and both sentence representations probed: the
    recipe's Result, with the parts attached and their summaries merged into its own."""
    import torch

    from learnlab.data.words import speaker_lines
    from learnlab.recipes.word_embeddings import sentences, tables
    from learnlab.recipes.word_embeddings.vectors import QUERY_WORDS, score_pairs

    vocab, vectors = words.vocab, skipgram.outputs["word_vectors"]
    control = torch.randn(vectors.shape, generator=torch.Generator().manual_seed(config.seed + 2))
    # one generator for the random partners, then the probes' lines, in that order
    generator = torch.Generator().manual_seed(config.seed + 4)
    pairs = score_pairs(
        vocab,
        vectors,
        control,
        generator,
        config.random_pairs_per_pair,
        config.random_pair_vocabulary,
    )
    lines = speaker_lines(words.text)
    probes = {
        "play": sentences.play_probe(lines, config.probe_min_words, config.probe_lines, generator),
        "order": sentences.order_probe(
            lines, config.probe_min_words, config.probe_lines, generator
        ),
    }
    scores = {
        name: sentences.probe_scores(probe, vocab, vectors, lm, config.probe_folds, config.seed)
        for name, probe in probes.items()
    }
    result = _parent(words, skipgram, language, pairs.summary(), scores, probes)
    queries = [w for w in QUERY_WORDS if w in vocab]
    result.tables = {
        "nearest neighbours (cosine)": tables.neighbour_table(
            vocab, vectors, control, queries, config.neighbours
        ),
        "related pairs: rank of the partner among all words (1 = nearest)": pairs.table(),
        "sentence probes (logistic regression, cross-validated accuracy)": tables.probe_table(
            {name: len(probe.sentences) for name, probe in probes.items()}, scores
        ),
        "nearest lines": _nearest_lines(config, lines, vocab, vectors, lm),
    }
    missing = [w for w in QUERY_WORDS if w not in vocab]
    result.notes = tables.notes(config, vocab, result.summary, missing)
    return result


def _parent(
    words: Words,
    skipgram: Result,
    language: Result,
    pair_summary: dict[str, Any],
    scores: dict[str, dict[str, float]],
    probes: dict[str, ProbeSet],
) -> Result:
    """The Result with its summary in the order summary.json has always had: words, skip-gram
    (part), related pairs, language model (part), probes."""
    summary: dict[str, Any] = {
        "vocabulary_size": len(words.vocab),
        "train_words": len(words.train_tokens),
        "train_words_in_vocabulary": len(words.train_ids),
        "test_words_in_vocabulary": len(words.test_ids),
    }
    result = Result(
        kind=NAME,
        title=f"{NAME}: skip-gram word vectors and sentence vectors on Tiny Shakespeare",
        summary=summary,
    )
    result.add_part("skipgram", skipgram)
    summary.update(pair_summary)
    result.add_part("language_model", language)
    for name in ("play", "order"):
        summary[f"sentence_probe_{name}_mean_vectors"] = scores[name]["mean_vectors"]
        summary[f"sentence_probe_{name}_lm_state"] = scores[name]["lm_state"]
        summary[f"sentence_probe_{name}_lines"] = len(probes[name].sentences)
    result.index = {
        "dataset": "tiny-shakespeare",
        "model": "skip-gram",
        "skipgram_heldout_loss": summary["skipgram_heldout_loss"],
        "related_pairs_auc": summary["related_pairs_auc"],
    }
    result.headline = (
        f"[bold]{NAME}[/]: held-out skip-gram loss {summary['skipgram_heldout_loss']:.4f} "
        f"(unigram control {summary['skipgram_control_loss']:.4f}); related pairs AUC "
        f"{summary['related_pairs_auc']:.3f} (random vectors "
        f"{summary['related_pairs_auc_control']:.3f}); order probe "
        f"{percent(summary['sentence_probe_order_lm_state'])} (LM state) vs "
        f"{percent(summary['sentence_probe_order_mean_vectors'])} (mean of word vectors)"
    )
    return result


def _nearest_lines(
    config: WordEmbeddingsConfig,
    lines: list[SpokenLine],
    vocab: Vocabulary,
    vectors: torch.Tensor,
    lm: WordLanguageModel,
) -> list[dict[str, object]]:
    """The nearest lines of the query lines under each sentence representation."""
    from learnlab.recipes.word_embeddings.sentences import (
        QUERY_LINES,
        neighbour_pool,
        sentence_features,
    )
    from learnlab.recipes.word_embeddings.tables import sentence_neighbour_table

    pool = neighbour_pool(lines, config.neighbour_pool)
    queries = sentence_features(QUERY_LINES, vocab, vectors, lm)
    pooled = sentence_features(pool, vocab, vectors, lm)
    features = {name: (queries[name], pooled[name]) for name in queries}
    return sentence_neighbour_table(QUERY_LINES, pool, features, k=3)
