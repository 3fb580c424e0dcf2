"""The siamese wrapper: one encoder shared by both inputs, symmetric heads, the contrastive loss
against its formula in float64, and the option checks."""

from __future__ import annotations

import pytest
import torch

from learnlab.io.errors import ConfigError
from learnlab.models import build_model
from learnlab.models.siamese import DISTANCE_EPS, Siamese, contrastive_loss


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def small(head: str = "absdiff", **options) -> Siamese:
    torch.manual_seed(0)
    return build_model(
        "siamese", (1, 12), 1, head=head, embedding=5, encoder_options={"width": 7}, **options
    )


def pair(n: int = 6) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(3)
    return torch.randn(n, 1, 12, generator=g), torch.randn(n, 1, 12, generator=g)


def test_one_encoder_holds_the_only_copy_of_the_weights():
    model = small()
    encoder_params = {id(p) for p in model.encoder.parameters()}
    head_params = {id(p) for p in model.head.parameters()}
    assert {id(p) for p in model.parameters()} == encoder_params | head_params
    count = sum(p.numel() for p in model.parameters())
    # mlp 12 -> 7 -> 7 -> 5, then the linear head 5 -> 1
    assert count == (12 * 7 + 7) + (7 * 7 + 7) + (7 * 5 + 5) + (5 + 1)
    # each branch is the encoder: changing one encoder weight changes both codes
    x1, x2 = pair()
    with torch.no_grad():
        before = model.embed(x1), model.embed(x2)
        model.encoder.fc1.weight[0, 0] += 1.0
        after = model.embed(x1), model.embed(x2)
    assert not torch.equal(before[0], after[0]) and not torch.equal(before[1], after[1])


def test_both_branches_send_gradient_to_the_shared_weights():
    """The shared weight's gradient is the sum of what each branch sends back (oracle: two
    separate encoder calls, each with the other branch's codes held fixed)."""
    model = small().double()
    x1, x2 = (t.double() for t in pair())
    model(x1, x2).sum().backward()
    total = model.encoder.fc1.weight.grad.clone()
    parts = []
    for grad_branch in (0, 1):
        model.zero_grad()
        with torch.no_grad():
            fixed = [model.embed(x1), model.embed(x2)]
        fixed[grad_branch] = model.embed((x1, x2)[grad_branch])
        model.compare(*fixed).sum().backward()
        parts.append(model.encoder.fc1.weight.grad.clone())
    torch.testing.assert_close(total, parts[0] + parts[1], rtol=1e-12, atol=1e-12)
    assert parts[0].abs().sum() > 0 and parts[1].abs().sum() > 0


@pytest.mark.parametrize("head", ["absdiff", "euclidean"])
def test_swapping_the_inputs_gives_the_same_output(head):
    model = small(head).double().eval()
    x1, x2 = (t.double() for t in pair())
    with torch.no_grad():
        # float64: the encoder sees the pair in the other order in one batch, which may change
        # the rounding of its matrix products, not the value
        torch.testing.assert_close(model(x1, x2), model(x2, x1), rtol=1e-14, atol=1e-14)


def test_absdiff_head_is_a_linear_map_of_the_absolute_difference():
    model = small().eval()
    x1, x2 = pair()
    with torch.no_grad():
        e1, e2 = torch.sigmoid(model.encoder(x1)), torch.sigmoid(model.encoder(x2))
        want = (e1 - e2).abs() @ model.head.weight.T + model.head.bias
        torch.testing.assert_close(model(x1, x2), want)
        torch.testing.assert_close(model.similarity(e1, e2), want[:, 0])


def test_euclidean_head_is_the_distance_between_the_codes():
    model = small("euclidean", code_activation="identity").eval()
    x1, x2 = pair()
    with torch.no_grad():
        want = torch.cdist(model.encoder(x1).double(), model.encoder(x2).double()).diagonal()
        got = model(x1, x2)
        assert got.shape == (6, 1)
        torch.testing.assert_close(got[:, 0].double(), want, rtol=1e-5, atol=1e-6)
        e = model.embed(x1)
        torch.testing.assert_close(model.similarity(e, e), -torch.full((6,), DISTANCE_EPS**0.5))


def test_contrastive_loss_matches_its_formula_in_float64():
    g = torch.Generator().manual_seed(0)
    d = torch.rand(8, dtype=torch.float64, generator=g) * 2
    same = torch.tensor([1, 0, 1, 0, 0, 1, 0, 1], dtype=torch.float64)
    margin = 1.3
    want = (
        sum((d[i] ** 2 if same[i] else max(0.0, margin - float(d[i])) ** 2) / 2 for i in range(8))
        / 8
    )
    torch.testing.assert_close(contrastive_loss(d, same, margin), torch.as_tensor(want))
    d.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda t: contrastive_loss(t, same, margin), (d,))


def test_distance_gradient_is_finite_for_identical_inputs():
    model = small("euclidean")
    x1, _ = pair()
    model(x1, x1.clone()).sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters())


@pytest.mark.parametrize(
    ("options", "num_outputs", "message"),
    [
        ({"head": "cosine"}, 1, "head"),
        ({"head": "euclidean"}, 2, "num_outputs must be 1"),
        ({"encoder": "siamese"}, 1, "another registered model"),
        ({"encoder": "no-such-model"}, 1, "no-such-model"),
        ({"encoder_options": [1]}, 1, "encoder_options"),
        ({"encoder_options": {"widht": 3}}, 1, "widht"),
        ({"embedding": 0}, 1, "embedding"),
        ({"code_activation": "softmax"}, 1, "code_activation"),
        ({"encoder": "char-transformer"}, 1, "takes token sequences"),
    ],
)
def test_bad_options_are_reported(options, num_outputs, message):
    with pytest.raises(ConfigError, match=message):
        build_model("siamese", (1, 28, 28), num_outputs, **options)


def test_an_encoder_that_cannot_take_float_inputs_is_reported():
    # char-transformer builds for (16,) but looks float inputs up in an embedding table
    with pytest.raises(ConfigError, match="cannot encode float inputs"):
        build_model("siamese", (16,), 1, encoder="char-transformer")


def test_several_outputs_with_the_absdiff_head():
    model = build_model("siamese", (4,), 3, encoder_options={"width": 5}, embedding=2)
    assert model(torch.zeros(2, 4), torch.ones(2, 4)).shape == (2, 3)
