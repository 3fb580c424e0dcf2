"""The word-embeddings recipe and its parts: words of a text, sentence probes, the language
model's sentence states, skip-gram training and its held-out baseline.

Fast tests check each part against a direct computation and run the recipe end to end (from
the CLI and through `run_recipe`) on its quick configuration, a small slice of the text with
tiny dimensions: files, seed stability, resuming with a finished part kept, and the report
rebuilt byte for byte. The claims (the vectors beat their controls, the language model's state
sees word order where the mean of word vectors cannot) are the slow test of the default
configuration (`make test-slow`).
"""

from __future__ import annotations

import json
import shutil

import pytest
import torch
import torch.nn.functional as F

from learnlab.analysis.embeddings import pair_similarities
from learnlab.cli import main
from learnlab.data.words import (
    build_vocabulary,
    encode,
    shakespeare_texts,
    speaker_lines,
    tokenize,
)
from learnlab.io.errors import ConfigError
from learnlab.models.skip_gram import SkipGram
from learnlab.objectives.negative_sampling import (
    keep_probabilities,
    negative_sampling_loss,
    noise_distribution,
)
from learnlab.recipes import get_recipe, recipe_names
from learnlab.recipes.runner import run_recipe, saved_config
from learnlab.recipes.word_embeddings import skipgram as skipgram_module
from learnlab.recipes.word_embeddings.config import WordEmbeddingsConfig
from learnlab.recipes.word_embeddings.language_model import WordLanguageModel, chunks
from learnlab.recipes.word_embeddings.sentences import order_probe, play_probe, shuffled
from learnlab.recipes.word_embeddings.skipgram import (
    EpochPairs,
    SkipGramData,
    train_skip_gram,
    unigram_scores,
)
from learnlab.recipes.word_embeddings.vectors import related_pairs
from learnlab.runs import read_index


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


# -- words --------------------------------------------------------------------------------------


def test_tokenize_lowercases_and_keeps_inner_apostrophes():
    assert tokenize("O'er the KING'S men, 'tis 3 o'clock--Go!") == [
        "o'er",
        "the",
        "king's",
        "men",
        "tis",
        "o'clock",
        "go",
    ]


def test_vocabulary_orders_by_count_then_word_and_drops_rare_words():
    vocab = build_vocabulary(["b", "a", "c", "a", "b", "a", "d"], min_count=2)
    assert vocab.words == ["a", "b"] and vocab.counts == [3, 2]
    assert vocab.id("b") == 1 and "c" not in vocab and len(vocab) == 2
    assert encode(["d", "a", "b", "c", "a"], vocab).tolist() == [0, 1, 0]
    with pytest.raises(ConfigError, match="not in the vocabulary"):
        vocab.id("c")
    with pytest.raises(ConfigError, match="no word occurs 5 times"):
        build_vocabulary(["a", "b"], min_count=5)


def test_speaker_lines_follow_the_speeches():
    text = "ROMEO:\nBut soft!\nWhat light\n\nFirst Citizen:\nSpeak, speak.\n\nstray line\n"
    lines = speaker_lines(text)
    assert [(x.speaker, x.text) for x in lines] == [
        ("ROMEO", "But soft!"),
        ("ROMEO", "What light"),
        ("First Citizen", "Speak, speak."),
    ]


def test_shakespeare_texts_are_the_file_split_at_ninety_percent(data_root):
    train, test = shakespeare_texts(data_root, download=False)
    whole = (data_root / "tiny-shakespeare" / "input.txt").read_text(encoding="utf-8")
    assert train + test == whole
    assert len(train) == int(len(whole) * 0.9)


# -- sentences ----------------------------------------------------------------------------------


def test_shuffled_changes_the_order_of_the_same_words():
    generator = torch.Generator().manual_seed(0)
    words = ["now", "is", "the", "winter", "of", "our", "discontent"]
    for _ in range(20):
        mixed = shuffled(words, generator)
        assert mixed != words and sorted(mixed) == sorted(words)
    assert shuffled(["a", "a"], generator) == ["a", "a"]


def test_probes_are_balanced_and_labelled():
    text = "\n\n".join(
        [f"ROMEO:\nmy love is like a red rose {i}\n" for i in range(6)]
        + [f"MENENIUS:\nthe people of rome are hungry {i} times\n" for i in range(4)]
        + [f"GLOUCESTER:\nnow is the winter of our discontent {i}\n" for i in range(5)]
    )
    lines = speaker_lines(text.replace(" 0", " zero"))
    play = play_probe(lines, min_words=5, per_class=100, generator=torch.Generator())
    assert play.labels.tolist() == [0] * 4 + [1] * 4
    assert all("rome" in s for s in play.sentences[4:]) and all(
        "love" in s for s in play.sentences[:4]
    )
    order = order_probe(lines, min_words=5, per_class=3, generator=torch.Generator())
    assert order.labels.tolist() == [0, 0, 0, 1, 1, 1]
    assert len({" ".join(s) for s in order.sentences}) == 6


# -- language model -----------------------------------------------------------------------------


def test_chunks_overlap_by_one_word():
    windows = chunks(torch.arange(10), seq_len=3)
    assert windows.tolist() == [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]


def test_sentence_states_are_the_gru_state_after_each_sentence():
    torch.manual_seed(0)
    lm = WordLanguageModel(vocabulary_size=20, dim=5, hidden=6)
    sentences = [torch.tensor([1, 2, 3, 4]), torch.tensor([5]), torch.tensor([20, 0, 7])]
    states = lm.sentence_states(sentences, batch=2)
    for sentence, state in zip(sentences, states, strict=True):
        _, last = lm.gru(lm.embedding(sentence[None]))  # one sentence alone, no padding
        torch.testing.assert_close(state, last[-1, 0])
    assert lm(sentences[0][None]).shape == (1, 4, 21)
    assert torch.equal(lm.sentence_states([torch.tensor([], dtype=torch.int64)]), torch.zeros(1, 6))


# -- skip-gram training and its control ---------------------------------------------------------


def test_training_pulls_together_words_that_occur_together():
    # two topics whose words only ever appear among themselves
    generator = torch.Generator().manual_seed(0)
    topic = torch.randint(0, 2, (400,), generator=generator)
    words = topic[:, None] * 5 + torch.randint(0, 5, (400, 6), generator=generator)
    ids = words.flatten()  # sentences of 6 words, one topic each
    counts = torch.bincount(ids, minlength=10)
    data = SkipGramData(keep_probabilities(counts, 1.0), noise_distribution(counts), 2, 3)
    torch.manual_seed(0)
    model = SkipGram(10, 8)
    records, context_counts = train_skip_gram(
        model, ids, data, epochs=3, batch_size=128, lr=0.05, generator=generator
    )
    history = [r["train_loss"] for r in records]
    assert history[-1] < history[0] < 4 * 0.7  # below (1 + k) log 2 = 2.77
    assert records[-1]["lr"] < 0.05 / 3  # the linear decay: the last step is near the end
    assert context_counts.sum() > 0
    same = torch.tensor([[a, b] for a in range(5) for b in range(5) if a != b])
    across = torch.tensor([[a, b + 5] for a in range(5) for b in range(5)])
    vectors = model.word_vectors()
    assert pair_similarities(vectors, same).mean() > pair_similarities(vectors, across).mean() + 0.5


def test_unigram_scores_minimise_the_centre_blind_loss():
    # with contexts drawn from p and noise from q, log p - log(k q) is the best constant score
    counts = torch.tensor([50, 30, 15, 5])
    data = SkipGramData(torch.ones(4), noise_distribution(torch.tensor([1, 2, 3, 4])), 1, 2)
    best = unigram_scores(counts, data)
    p = (counts.double() + 1) / (counts.sum() + 4)

    def expected_loss(scores: torch.Tensor) -> torch.Tensor:
        positive = -(p * F.logsigmoid(scores)).sum()
        negative = -data.negatives * (data.noise * F.logsigmoid(-scores)).sum()
        return positive + negative

    for shift in ([0.1, 0, 0, 0], [0, -0.2, 0.3, 0], [0, 0, 0, 0.5]):
        assert expected_loss(best) < expected_loss(best + torch.tensor(shift, dtype=torch.float64))
    assert negative_sampling_loss(best[None, :2]).shape == (1,)


def test_related_pairs_skip_missing_words_and_draw_random_partners():
    vocab = build_vocabulary(("thee thou king queen " * 3 + "lord").split(), min_count=2)
    related, unrelated, used = related_pairs(vocab, torch.Generator(), per_pair=5, top=4)
    assert used == [("thee", "thou"), ("king", "queen")]
    assert related.tolist() == [[2, 3], [0, 1]]  # ids: king, queen, thee, thou (ties: a-z)
    assert (unrelated[:, 0] != unrelated[:, 1]).all() and unrelated.max() < 4


def test_epoch_pairs_draw_alike_whether_or_not_their_length_is_asked_first():
    # a progress bar asks len() before each epoch; without one, iteration draws the pairs:
    # the batches (and so the noise draws after them) must not depend on it
    ids = torch.randint(0, 10, (300,), generator=torch.Generator().manual_seed(1))
    counts = torch.bincount(ids, minlength=10)
    data = SkipGramData(keep_probabilities(counts, 0.05), noise_distribution(counts), 3, 2)
    asked = EpochPairs(ids, data, 64, torch.Generator().manual_seed(0))
    silent = EpochPairs(ids, data, 64, torch.Generator().manual_seed(0))
    for _ in range(2):
        steps = len(asked)
        first, second = list(asked), list(silent)
        assert len(first) == steps == len(second) > 1
        for (a, b), (c, d) in zip(first, second, strict=True):
            assert torch.equal(a, c) and torch.equal(b, d)
    assert torch.equal(asked.context_counts, silent.context_counts)


# -- the recipe ---------------------------------------------------------------------------------

NAME = "word-embeddings"
QUICK = dict(get_recipe(NAME).quick)
KEYS = (
    "vocabulary_size",
    "skipgram_heldout_loss",
    "skipgram_control_loss",
    "related_pairs_auc",
    "related_pairs_auc_control",
    "sentence_probe_play_mean_vectors",
    "sentence_probe_play_lm_state",
    "sentence_probe_order_mean_vectors",
    "sentence_probe_order_lm_state",
    "lm_val_loss",
)


def quick_config(data_root, **changes) -> WordEmbeddingsConfig:
    return WordEmbeddingsConfig(**{**QUICK, "data_root": str(data_root), **changes})


def without_timing(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k != "seconds"}


def test_registered_with_its_config_and_a_quick_configuration():
    assert NAME in recipe_names()
    recipe = get_recipe(NAME)
    assert recipe.config_class is WordEmbeddingsConfig
    assert QUICK["limit_words"] == 3000 and QUICK["progress"] is False


def test_recipe_runs_from_the_cli_on_a_small_slice(tmp_path, data_root):
    run_dir = tmp_path / "we"
    args = ["run", NAME, "--run-dir", str(run_dir), "--set", f"data_root={data_root}"]
    for key, value in QUICK.items():
        args += ["--set", f"{key}={json.dumps(value)}"]
    assert main(args) == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    for key in KEYS:
        assert isinstance(summary[key], float | int), key
    assert summary["train_words"] == 3000
    report = (run_dir / "report.html").read_text()
    assert "nearest neighbours (cosine)" in report and "sentence probes" in report
    assert "Now is the winter of our discontent" in report
    assert [r["kind"] for r in read_index()] == [NAME]
    # the parts: each its own run directory, with what the recipe reads back on --resume
    assert (run_dir / "skipgram" / "skip_gram.safetensors").is_file()
    assert (run_dir / "skipgram" / "outputs.safetensors").is_file()
    assert (run_dir / "language_model" / "language_model.safetensors").is_file()
    assert "frequent words, PCA of the skip-gram vectors" in report  # the skip-gram part's


def test_recipe_is_seed_stable(tmp_path, data_root, quick_run_copy):
    """A second run gives the session's quick run's numbers (the contract test rebuilds that
    run's pages byte for byte)."""
    first = quick_run_copy(NAME, tmp_path / "a")
    second = run_recipe(NAME, quick_config(data_root), run_dir=tmp_path / "b")
    for key in KEYS:
        assert first.summary[key] == second.summary[key], key
    assert without_timing(first.summary) == without_timing(second.summary)


def test_resume_keeps_the_finished_skipgram_part(tmp_path, monkeypatch, quick_run_copy):
    run_dir = tmp_path / "we"
    whole = quick_run_copy(NAME, run_dir).summary
    # an attempt stopped while the language model trained: the skip-gram part had finished
    (run_dir / "summary.json").unlink()
    shutil.rmtree(run_dir / "language_model")

    def must_not_train(*args, **kwargs):
        raise AssertionError("the finished skip-gram part was trained again")

    monkeypatch.setattr(skipgram_module, "train_skip_gram", must_not_train)
    resumed = run_recipe(NAME, saved_config(run_dir), resume=run_dir).summary
    assert without_timing(resumed) == without_timing(whole)
    assert (run_dir / "language_model" / "language_model.safetensors").is_file()


def test_bad_settings_are_refused_before_any_file_is_written(tmp_path, data_root):
    with pytest.raises(ConfigError, match="min_count"):
        WordEmbeddingsConfig(min_count=0)
    with pytest.raises(ConfigError, match="lm_seq_len"):
        run_recipe(
            NAME, quick_config(data_root, lm_seq_len=500, limit_words=400), run_dir=tmp_path / "a"
        )
    with pytest.raises(ConfigError, match="lower min_count"):
        run_recipe(NAME, quick_config(data_root, min_count=1000), run_dir=tmp_path / "b")
    assert not any((tmp_path / name).exists() for name in "ab")


@pytest.mark.slow
def test_default_recipe_beats_its_controls(tmp_path, data_root):
    config = WordEmbeddingsConfig(data_root=str(data_root), progress=False)
    s = run_recipe(NAME, config, run_dir=tmp_path / "full").summary
    # measured (seed 0): held-out 2.634 vs 2.652; AUC 0.859 vs 0.472; median rank 81 vs 1535;
    # LM 5.31 vs 5.83 nats/word; play 77.5% / 59.3%; order 50.7% / 67.3%
    assert s["skipgram_heldout_loss"] < s["skipgram_control_loss"] - 0.01
    assert s["related_pairs_auc"] > 0.8 and s["related_pairs_auc_control"] < 0.65
    assert s["related_pairs_median_rank"] < s["related_pairs_median_rank_control"] / 5
    assert s["lm_val_loss"] < s["lm_val_loss_unigram"] - 0.3
    # meaning: the mean of word vectors reads which play a line is from
    assert s["sentence_probe_play_mean_vectors"] > 0.7
    # order: the mean of word vectors cannot see it; the language model's state can
    assert abs(s["sentence_probe_order_mean_vectors"] - 0.5) < 0.05
    assert s["sentence_probe_order_lm_state"] > 0.6
