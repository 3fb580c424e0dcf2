"""The diagonal Fisher (learnlab.analysis.fisher) against per-example gradient loops on a tiny
float64 MLP: the empirical Fisher exactly, the true Fisher for the labels it drew and, averaged
over many draws, against its expectation over the model's predictive distribution."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from learnlab.analysis.fisher import fisher_diagonal
from learnlab.io.errors import ConfigError


def tiny_mlp() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3)).double()


def data(n: int = 9) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    return torch.randn(n, 4, generator=generator, dtype=torch.float64), torch.randint(
        0, 3, (n,), generator=generator
    )


def squared_gradient(model: nn.Module, x: torch.Tensor, label: int) -> dict[str, torch.Tensor]:
    """(d/dtheta log p(label | x))^2 of one example, by one ordinary backward pass."""
    model.zero_grad()
    F.log_softmax(model(x.unsqueeze(0)), dim=-1)[0, label].backward()
    return {n: p.grad.detach().pow(2).clone() for n, p in model.named_parameters()}


def loop_fisher(model: nn.Module, x: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
    total = {n: torch.zeros_like(p) for n, p in model.named_parameters()}
    for xi, yi in zip(x, labels, strict=True):
        for n, g2 in squared_gradient(model, xi, int(yi)).items():
            total[n] += g2
    return {n: t / len(x) for n, t in total.items()}


def expected_fisher(model: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """sum_y p(y | x) g_y^2, averaged over x: what the sampled ("true") Fisher estimates."""
    total = {n: torch.zeros_like(p) for n, p in model.named_parameters()}
    for xi in x:
        with torch.no_grad():
            probabilities = torch.softmax(model(xi.unsqueeze(0)), dim=-1)[0]
        for label, p_label in enumerate(probabilities):
            for n, g2 in squared_gradient(model, xi, label).items():
                total[n] += p_label * g2
    return {n: t / len(x) for n, t in total.items()}


@pytest.mark.parametrize("batch_size", [1, 4, 9, 64])
def test_the_empirical_fisher_equals_a_per_example_gradient_loop(batch_size):
    model = tiny_mlp()
    x, y = data()
    fisher = fisher_diagonal(model, (x, y), kind="empirical", batch_size=batch_size)
    expected = loop_fisher(model, x, y)
    assert fisher.kind == "empirical" and fisher.examples == len(x)
    assert list(fisher.values) == [n for n, _ in model.named_parameters()]
    for name, value in expected.items():
        torch.testing.assert_close(fisher.values[name], value, rtol=1e-12, atol=1e-15)
    assert fisher.total() == pytest.approx(sum(float(v.sum()) for v in expected.values()))


def test_the_true_fisher_uses_labels_drawn_from_the_models_predictions():
    model = tiny_mlp()
    x, y = data()
    fisher = fisher_diagonal(model, (x, y), kind="true", batch_size=len(x), seed=3)
    with torch.no_grad():
        probabilities = torch.softmax(model(x), dim=-1)
    drawn = torch.multinomial(probabilities, 1, generator=torch.Generator().manual_seed(3))
    expected = loop_fisher(model, x, drawn.squeeze(1))
    for name, value in expected.items():
        torch.testing.assert_close(fisher.values[name], value, rtol=1e-12, atol=1e-15)
    # the labels are not read: the true Fisher needs only the inputs
    alone = fisher_diagonal(model, (x,), kind="true", batch_size=len(x), seed=3)
    for name, value in fisher.values.items():
        assert torch.equal(alone.values[name], value)


def test_the_true_fisher_averages_to_its_expectation_over_the_predictive_distribution():
    model = tiny_mlp()
    x, _ = data(3)
    repeats = 4000  # each input drawn for 4,000 times: the mean of the draws is the expectation
    fisher = fisher_diagonal(model, (x.repeat(repeats, 1),), kind="true", batch_size=2048)
    expected = expected_fisher(model, x)
    for name, value in expected.items():
        # the sampling error of a mean of 12,000 draws: a few percent of the largest entries
        torch.testing.assert_close(
            fisher.values[name], value, rtol=0.1, atol=0.03 * float(value.max())
        )
    empirical = fisher_diagonal(model, data(3), kind="empirical")
    assert not torch.allclose(empirical.values["2.weight"], expected["2.weight"], rtol=0.1)


def test_the_fisher_of_a_float32_model_is_float32_and_seeded():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    x = torch.randn(20, 4)
    first = fisher_diagonal(model, (x,), seed=1, batch_size=7)
    again = fisher_diagonal(model, (x,), seed=1, batch_size=7)
    other = fisher_diagonal(model, (x,), seed=2, batch_size=7)
    assert all(v.dtype == torch.float32 and (v >= 0).all() for v in first.values.values())
    assert all(torch.equal(first.values[n], again.values[n]) for n in first.values)
    assert any(not torch.equal(first.values[n], other.values[n]) for n in first.values)


@pytest.mark.parametrize(
    ("kwargs", "data_", "match"),
    [
        ({"kind": "exact"}, (torch.zeros(2, 4), torch.zeros(2).long()), "kind"),
        ({"batch_size": 0}, (torch.zeros(2, 4), torch.zeros(2).long()), "batch_size"),
        ({"kind": "empirical"}, (torch.zeros(2, 4),), "label"),
        ({}, (torch.zeros(0, 4),), "empty"),
    ],
)
def test_bad_input_is_a_config_error_naming_it(kwargs, data_, match):
    with pytest.raises(ConfigError, match=match):
        fisher_diagonal(nn.Linear(4, 3), data_, **kwargs)
