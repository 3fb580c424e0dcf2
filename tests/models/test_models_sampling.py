"""Sampling from a language model: temperature 0 is argmax, top-k keeps the k best, seeded
draws follow the softmax, and generation only ever looks at the last `context` tokens."""

from __future__ import annotations

import pytest
import torch

from learnlab.io.errors import ConfigError
from learnlab.models import build_model
from learnlab.models.sampling import generate, next_token


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)


def test_temperature_zero_is_argmax_and_tiny_temperature_agrees():
    logits = torch.randn(6, 11, generator=torch.Generator().manual_seed(0))
    greedy = logits.argmax(dim=1)
    torch.testing.assert_close(next_token(logits, temperature=0.0), greedy)
    g = torch.Generator().manual_seed(1)
    torch.testing.assert_close(next_token(logits, temperature=1e-4, generator=g), greedy)


def test_draws_follow_the_softmax_and_top_k_keeps_the_best():
    logits = torch.tensor([[2.0, 1.0, 0.0, -1.0]]).expand(20_000, 4)
    g = torch.Generator().manual_seed(0)
    draws = next_token(logits, temperature=1.0, generator=g)
    freq = torch.bincount(draws, minlength=4).double() / 20_000
    torch.testing.assert_close(freq, torch.softmax(logits[0].double(), 0), atol=0.015, rtol=0)
    top2 = next_token(logits, temperature=1.0, top_k=2, generator=g)
    assert set(top2.tolist()) == {0, 1}
    hot = next_token(logits, temperature=0.5, generator=g)  # sharper: more of the best token
    assert float((hot == 0).double().mean()) > float(freq[0]) + 0.1


def test_generate_is_seeded_restores_mode_and_respects_context():
    torch.manual_seed(0)
    model = build_model("char-transformer", (8,), 13, dim=16, depth=1, heads=2).train()
    prompt = torch.tensor([1, 2, 3])
    out = generate(model, prompt, 20, context=8, temperature=0.8, seed=5)
    assert out.shape == (23,) and torch.equal(out[:3], prompt) and model.training
    assert torch.equal(out, generate(model, prompt, 20, context=8, temperature=0.8, seed=5))
    assert int(out.max()) < 13
    greedy = generate(model, prompt, 12, context=8, temperature=0.0)
    # greedy decoding by hand: argmax of the last position, window of the last 8 tokens
    tokens = prompt.clone()
    model.eval()
    with torch.no_grad():
        for _ in range(12):
            nxt = model(tokens[None, -8:])[0, -1].argmax()
            tokens = torch.cat([tokens, nxt[None]])
    assert torch.equal(greedy, tokens)


def test_bad_settings_are_refused():
    with pytest.raises(ConfigError, match="temperature"):
        next_token(torch.zeros(1, 3), temperature=-1.0)
    with pytest.raises(ConfigError, match="top_k"):
        next_token(torch.zeros(1, 3), temperature=1.0, top_k=0)
