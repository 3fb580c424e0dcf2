"""CLIP's symmetric InfoNCE against a loop over images and captions, and the objective on a
dual encoder."""

from __future__ import annotations

import math

import pytest
import torch

from learnlab.models.dual_encoder import DualEncoder
from learnlab.objectives.clip import ContrastiveImageText, clip_loss


def _loop_loss(images, texts, scale) -> float:
    """Each image against every caption, then each caption against every image."""
    n = len(images)

    def cosine(a, b):
        return float(a @ b / (a.norm() * b.norm()))

    image_terms, text_terms = [], []
    for i in range(n):
        row = [scale * cosine(images[i], texts[j]) for j in range(n)]
        image_terms.append(-row[i] + math.log(sum(math.exp(v) for v in row)))
        column = [scale * cosine(images[j], texts[i]) for j in range(n)]
        text_terms.append(-column[i] + math.log(sum(math.exp(v) for v in column)))
    return (sum(image_terms) / n + sum(text_terms) / n) / 2


def test_clip_loss_matches_a_loop_over_pairs():
    generator = torch.Generator().manual_seed(0)
    images = torch.randn(5, 4, generator=generator, dtype=torch.float64)
    texts = torch.randn(5, 4, generator=generator, dtype=torch.float64)
    for scale in (1.0, 3.5):
        measured = float(clip_loss(images, texts, torch.tensor(scale, dtype=torch.float64)))
        assert measured == pytest.approx(_loop_loss(images, texts, scale), rel=1e-10)


def test_clip_loss_is_symmetric_in_images_and_texts_and_needs_matching_shapes():
    generator = torch.Generator().manual_seed(1)
    a, b = torch.randn(4, 3, generator=generator), torch.randn(4, 3, generator=generator)
    scale = torch.tensor(2.0)
    assert float(clip_loss(a, b, scale)) == pytest.approx(float(clip_loss(b, a, scale)))
    # perfectly matched pairs at a large scale: nearly 0; shuffled captions: large
    assert float(clip_loss(torch.eye(4), torch.eye(4), torch.tensor(50.0))) < 1e-6
    assert float(clip_loss(torch.eye(4), torch.eye(4).flip(0), torch.tensor(50.0))) > 10
    with pytest.raises(ValueError, match="one shape"):
        clip_loss(torch.zeros(3, 2), torch.zeros(4, 2), scale)


def test_the_objective_trains_a_dual_encoder_to_pair_images_with_captions():
    torch.manual_seed(0)
    model = DualEncoder(image_size=4, vocabulary_size=6, embed_dim=8, hidden=16, word_dim=8)
    images = torch.eye(4).reshape(4, 1, 2, 2)
    tokens = torch.tensor([[1, 0], [2, 0], [3, 0], [4, 5]])
    objective = ContrastiveImageText()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    first, metrics = objective(model, (images, tokens))
    first = first.detach()
    assert metrics["pair_accuracy"].shape == (4,)
    for _ in range(200):
        loss, _ = objective(model, (images, tokens))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    loss, metrics = objective(model, (images, tokens))
    assert float(loss.detach()) < 0.1 * float(first)
    assert metrics["pair_accuracy"].mean() == 1.0


def test_padding_is_left_out_of_the_text_mean_and_unknown_words_get_no_gradient():
    model = DualEncoder(image_size=4, vocabulary_size=6, embed_dim=8, hidden=16, word_dim=8)
    padded = model.encode_text(torch.tensor([[1, 2, 0, 0]]))
    assert torch.allclose(padded, model.encode_text(torch.tensor([[1, 2]])))
    model.encode_text(torch.tensor([[1, 2]])).sum().backward()
    assert model.word_embeddings.weight.grad[3:].abs().sum() == 0
