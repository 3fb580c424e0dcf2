"""Sequence models: recurrent classifiers (rnn, lstm, gru) and the transformers.

Besides the registry-wide contract (tests/models/test_models_contract.py): output shapes for
option settings, ConfigError for bad options, causality where a model claims it, attention
checked against torch's own `nn.MultiheadAttention`, and a short "it learns" run for each kind.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.models import build_model
from learnlab.models.transformer import SelfAttention

RECURRENT = ("rnn", "lstm", "gru")


@pytest.mark.parametrize("name", RECURRENT)
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"hidden": 8, "layers": 3},
        {"hidden": 8, "bidirectional": True, "readout": "mean"},
        {"hidden": 8, "layers": 2, "bidirectional": True, "dropout": 0.3},
    ],
)
def test_recurrent_shapes(name, options):
    torch.manual_seed(0)
    model = build_model(name, (3, 10, 7), 5, **options)
    assert model(torch.randn(4, 3, 10, 7)).shape == (4, 5)
    seq = build_model(name, (6, 4), 2, **options)
    assert seq(torch.randn(4, 6, 4)).shape == (4, 2)


@pytest.mark.parametrize("name", RECURRENT)
def test_image_is_read_row_by_row(name):
    # A (C, H, W) image must give the same output as the (H, C*W) sequence of its rows.
    torch.manual_seed(0)
    model = build_model(name, (2, 5, 3), 4, hidden=8).eval()
    images = torch.randn(3, 2, 5, 3)
    rows = torch.stack(
        [torch.cat([img[c, h] for c in range(2)]) for img in images for h in range(5)]
    )
    with torch.no_grad():
        assert torch.allclose(model(images), model(rows.view(3, 5, 6)), atol=1e-6)


@pytest.mark.parametrize("name", RECURRENT)
def test_last_readout_is_the_last_step(name):
    torch.manual_seed(0)
    model = build_model(name, (9, 4), 3, hidden=8, layers=2).eval()
    x = torch.randn(2, 9, 4)
    with torch.no_grad():
        assert torch.allclose(model.per_step_logits(x)[:, -1], model(x), atol=1e-6)


@pytest.mark.parametrize("name", RECURRENT)
def test_unidirectional_recurrent_models_are_causal(name):
    torch.manual_seed(0)
    model = build_model(name, (12, 4), 3, hidden=8, layers=2).eval()
    x = torch.randn(2, 12, 4)
    changed = x.clone()
    changed[:, 7:] = torch.randn(2, 5, 4)
    with torch.no_grad():
        a, b = model.per_step_logits(x), model.per_step_logits(changed)
    assert torch.equal(a[:, :7], b[:, :7])
    assert not torch.allclose(a[:, 7:], b[:, 7:])


def test_char_transformer_is_causal():
    torch.manual_seed(0)
    model = build_model("char-transformer", (20,), 30, dim=32, depth=2, heads=4).eval()
    tokens = torch.randint(0, 30, (3, 20))
    for t in (0, 9, 18):
        changed = tokens.clone()
        changed[:, t + 1 :] = (changed[:, t + 1 :] + 1) % 30
        with torch.no_grad():
            a, b = model(tokens), model(changed)
        assert torch.equal(a[:, : t + 1], b[:, : t + 1])
        assert not torch.allclose(a[:, t + 1 :], b[:, t + 1 :])


def test_char_transformer_shapes_and_shorter_inputs():
    torch.manual_seed(0)
    model = build_model("char-transformer", (32,), 65, dim=48, depth=3, heads=6).eval()
    assert model(torch.randint(0, 65, (2, 32))).shape == (2, 32, 65)
    # A prompt shorter than the context: same logits as the first steps of a full sequence.
    tokens = torch.randint(0, 65, (2, 32))
    with torch.no_grad():
        assert torch.allclose(model(tokens[:, :10]), model(tokens)[:, :10], atol=1e-5)
    with pytest.raises(ValueError, match="T <= 32"):
        model(torch.randint(0, 65, (2, 33)))


def test_transformer_classifier_shapes():
    torch.manual_seed(0)
    model = build_model("transformer-classifier", (1, 28, 28), 10, dim=32, heads=8, depth=3)
    assert model(torch.randn(5, 1, 28, 28)).shape == (5, 10)
    seq = build_model("transformer-classifier", (7, 3), 2)
    assert seq(torch.randn(5, 7, 3)).shape == (5, 2)


@pytest.mark.parametrize("causal", [False, True])
def test_self_attention_matches_torch_multihead_attention(causal):
    # Oracle: nn.MultiheadAttention with the same packed in-projection and output projection.
    torch.manual_seed(0)
    dim, heads, steps = 24, 4, 9
    ours = SelfAttention(dim, heads, dropout=0.0, causal=causal).eval()
    reference = nn.MultiheadAttention(dim, heads, batch_first=True).eval()
    with torch.no_grad():
        reference.in_proj_weight.copy_(ours.qkv.weight)
        reference.in_proj_bias.copy_(ours.qkv.bias)
        reference.out_proj.weight.copy_(ours.proj.weight)
        reference.out_proj.bias.copy_(ours.proj.bias)
        x = torch.randn(3, steps, dim)
        mask = nn.Transformer.generate_square_subsequent_mask(steps) if causal else None
        expected, _ = reference(x, x, x, attn_mask=mask, need_weights=False)
        assert torch.allclose(ours(x), expected, atol=1e-5)


@pytest.mark.parametrize(
    ("name", "shape", "options", "message"),
    [
        ("lstm", (1, 28, 28), {"hidden": 0}, "'hidden' must be an integer >= 1"),
        ("gru", (1, 28, 28), {"layers": 1.5}, "'layers' must be an integer"),
        ("rnn", (1, 28, 28), {"bidirectional": "yes"}, "'bidirectional' must be true or false"),
        ("lstm", (1, 28, 28), {"readout": "max"}, "'readout' must be one of 'last', 'mean'"),
        ("gru", (1, 28, 28), {"dropout": 1.0}, r"'dropout' must be a number in \[0, 1\)"),
        ("lstm", (784,), {}, "read row by row"),
        ("char-transformer", (16,), {"dim": 30, "heads": 4}, "must divide option 'dim'"),
        ("char-transformer", (1, 28, 28), {}, "input_shape = \\(context length,\\)"),
        ("char-transformer", (16,), {"depth": 0}, "'depth' must be an integer >= 1"),
        ("transformer-classifier", (7, 3), {"heads": 3}, "must divide option 'dim'"),
        ("transformer-classifier", (7, 3), {"dropout": -0.1}, "'dropout' must be a number"),
        ("transformer-classifier", (2, 3, 4, 5), {}, "read row by row"),
    ],
)
def test_bad_options_raise_config_error(name, shape, options, message):
    with pytest.raises(ConfigError, match=message):
        build_model(name, shape, 10, **options)


@pytest.fixture
def one_thread():
    """Run on one thread: the per-step kernels of a tiny recurrent net are too small to split,
    and on a loaded 2-core machine two OpenMP threads waiting on each other made a 40-step
    GRU run ~100x slower (0.7 s a step instead of 4 ms)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _digits(n: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    digits = load_digits()
    x = torch.tensor(digits.images[:n] / 16.0, dtype=torch.float32).unsqueeze(1)
    return x, torch.tensor(digits.target[:n])


def _train(model: nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int) -> list[float]:
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(steps):
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize(
    ("name", "options"),
    [("gru", {"hidden": 32}), ("transformer-classifier", {"dim": 32, "depth": 1})],
)
def test_sequence_classifiers_learn_digits_read_by_rows(name, options, one_thread):
    torch.manual_seed(0)
    x, y = _digits()
    losses = _train(build_model(name, (1, 8, 8), 10, **options), x, y, steps=40)
    assert losses[-1] < 0.3 * losses[0], (losses[0], losses[-1])


def test_char_transformer_learns_a_periodic_sequence(one_thread):
    # Each sequence is a shifted copy of one period-5 pattern: after the first 5 tokens the
    # next token is determined by the token 5 steps back, which only attention can look up.
    torch.manual_seed(0)
    pattern = torch.randint(0, 12, (32, 5))
    tokens = pattern.repeat(1, 4)  # (32, 20)
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    model = build_model("char-transformer", (19,), 12, dim=32, depth=2, heads=4)
    losses = _train(model, inputs, targets, steps=40)
    with torch.no_grad():
        late = F.cross_entropy(model(inputs)[:, 5:].reshape(-1, 12), targets[:, 5:].reshape(-1))
    assert late.item() < 0.5, late.item()
    assert losses[-1] < 0.5 * losses[0]
