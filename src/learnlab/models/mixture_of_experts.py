"""Mixture of experts: a gating network chooses how much of each expert's output to use.

Soft gating is Jacobs, Jordan, Nowlan & Hinton (1991), "Adaptive mixtures of local experts":
every expert runs on every example and the output is the gate-weighted sum

    g = softmax(x W_g),    y = sum_i g_i E_i(x).

Top-k ("hard") gating is Shazeer et al. (2017), "Outrageously large neural networks: the
sparsely-gated mixture-of-experts layer": only the k largest gate logits are kept,

    h = x W_g + eps * softplus(x W_noise)   (eps ~ N(0, 1), in training only)
    g = softmax(top_k(h))                   (the softmax renormalised over the chosen k)
    y = sum_{i in top_k} g_i E_i(x),

except for k = 1, where the renormalised weight would be the constant 1 and the gate would
learn nothing from the task: there g is the chosen expert's full softmax probability, as in
the Switch Transformer (Fedus et al., below).

and the experts not chosen are never run: the (example, expert) pairs are sorted by expert,
each expert runs once on its own rows, and its weighted outputs are scatter-added back
(`index_add_`). With k = 1 and 8 experts an example costs one expert, not eight.

Load balancing. Without help, top-k routing tends to collapse onto a few experts (the chosen
ones train, so they get chosen more). The auxiliary loss used here is the Switch Transformer
form (Fedus, Zoph & Shazeer, 2022, "Switch Transformers: scaling to trillion parameter models
with simple and efficient sparsity"), not Shazeer's CV^2 importance/load losses:

    aux = E * sum_i f_i * P_i,

with f_i the fraction of routed (example, slot) pairs sent to expert i (not differentiable)
and P_i the mean over the batch of the full softmax probability of expert i (differentiable).
It equals 1 when routing is uniform and E when everything goes to one expert. After each
forward the layer keeps it in `aux_loss` and the per-expert load in `expert_load`;
`auxiliary_loss(model)` sums the layers' losses and `learnlab.objectives.auxiliary` adds
it, weighted, to a training objective.

Example:
    >>> import torch
    >>> layer = MixtureOfExperts(6, 3, experts=4, k=1, gating="topk", hidden=8)
    >>> layer(torch.randn(5, 6)).shape
    torch.Size([5, 3])
    >>> float(layer.expert_load.sum())
    1.0
"""

from __future__ import annotations

import math
from typing import Literal, get_args

import torch
import torch.nn.functional as F
from torch import nn

from learnlab.models.registry import (
    ACTIVATIONS,
    Activation,
    check_bool,
    check_choice,
    check_int,
    make_activation,
    register_model,
)

Gating = Literal["soft", "topk"]
GATINGS = get_args(Gating)


class Expert(nn.Sequential):
    """One expert: a one-hidden-layer MLP, in_features -> hidden -> out_features."""

    def __init__(self, in_features: int, out_features: int, hidden: int, activation: str) -> None:
        super().__init__(
            nn.Linear(in_features, hidden),
            make_activation(activation),
            nn.Linear(hidden, out_features),
        )


def switch_balance_loss(probs: torch.Tensor, assigned: torch.Tensor) -> torch.Tensor:
    """Fedus et al.'s balancing loss E * sum_i f_i P_i.

    `probs`: (N, E) full softmax of the gate; `assigned`: (M,) expert index of every routed
    (example, slot) pair. 1 for uniform routing, E for routing collapsed onto one expert."""
    experts = probs.shape[1]
    fraction = torch.bincount(assigned, minlength=experts).to(probs.dtype) / assigned.numel()
    return experts * (fraction * probs.mean(dim=0)).sum()


class MixtureOfExperts(nn.Module):
    """A layer of `experts` expert MLPs (in_features -> hidden -> out_features) and a linear
    gate; `gating="soft"` weighs all experts, `gating="topk"` runs only the k chosen ones.

    Arguments are assumed valid; `build_model("moe-mlp", ...)` checks them. After a forward,
    `aux_loss` holds the balancing loss (a scalar with a graph) and `expert_load` the fraction
    of routed examples per expert (top-k) or the mean gate weight per expert (soft)."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        experts: int = 4,
        k: int = 1,
        gating: str = "topk",
        hidden: int = 64,
        noisy: bool = True,
        activation: str = "relu",
    ) -> None:
        super().__init__()
        self.num_experts, self.k, self.gating = experts, k, gating
        self.out_features = out_features
        self.gate = nn.Linear(in_features, experts)
        # Shazeer's tunable noise: a learned, per-example scale of the gate's Gaussian noise
        self.noise = nn.Linear(in_features, experts) if gating == "topk" and noisy else None
        self.experts = nn.ModuleList(
            Expert(in_features, out_features, hidden, activation) for _ in range(experts)
        )
        self.aux_loss: torch.Tensor | None = None
        self.expert_load: torch.Tensor | None = None

    def gate_logits(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.gate(x)
        if self.noise is not None and self.training:
            logits = logits + torch.randn_like(logits) * F.softplus(self.noise(x))
        return logits

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.gate_logits(x)
        probs = logits.softmax(dim=1)
        if self.gating == "soft":
            return self._soft(x, probs)
        return self._topk(x, logits, probs)

    def _soft(self, x: torch.Tensor, probs: torch.Tensor) -> torch.Tensor:
        outputs = torch.stack([expert(x) for expert in self.experts], dim=1)  # (N, E, out)
        self.aux_loss = switch_balance_loss(probs, probs.argmax(dim=1))
        self.expert_load = probs.detach().mean(dim=0)
        return (probs.unsqueeze(2) * outputs).sum(dim=1)

    def _topk(self, x: torch.Tensor, logits: torch.Tensor, probs: torch.Tensor) -> torch.Tensor:
        n = x.shape[0]
        top_logits, top_experts = logits.topk(self.k, dim=1)  # (N, k) each
        # k = 1 (Switch): the chosen expert's full softmax probability, since a softmax over one
        # logit would be the constant 1 and the gate would get no gradient from the task;
        # k > 1 (Shazeer): the softmax renormalised over the chosen logits
        one = self.k == 1
        weights = probs.gather(1, top_experts) if one else top_logits.softmax(dim=1)
        assigned = top_experts.reshape(-1)  # (N k,): expert of each (example, slot)
        rows = torch.arange(n, device=x.device).repeat_interleave(self.k)
        order = torch.argsort(assigned, stable=True)  # group the pairs by expert
        counts = torch.bincount(assigned, minlength=self.num_experts)
        y = x.new_zeros(n, self.out_features)
        start = 0
        for expert, count in zip(self.experts, counts.tolist(), strict=True):
            if count == 0:
                continue  # an expert nobody chose costs nothing
            pairs = order[start : start + count]
            start += count
            rows_e = rows[pairs]
            out = expert(x.index_select(0, rows_e)) * weights.reshape(-1)[pairs].unsqueeze(1)
            y = y.index_add(0, rows_e, out)
        self.aux_loss = switch_balance_loss(probs, assigned)
        self.expert_load = counts.detach().to(x.dtype) / assigned.numel()
        return y

    def extra_repr(self) -> str:
        return f"experts={self.num_experts}, k={self.k}, gating={self.gating!r}"


class MoEMLP(nn.Module):
    """Flatten, then a mixture-of-experts layer whose experts are one-hidden-layer MLPs
    (in -> hidden -> num_outputs): an MLP whose hidden layer is split among experts."""

    def __init__(self, in_features: int, num_outputs: int, **moe_options) -> None:
        super().__init__()
        self.flatten = nn.Flatten()
        self.moe = MixtureOfExperts(in_features, num_outputs, **moe_options)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.moe(self.flatten(x))


@register_model(
    "moe-mlp",
    "Mixture of experts on the flattened input: soft gating (Jacobs et al. 1991) or noisy "
    "top-k gating that skips the experts not chosen (Shazeer et al. 2017); experts are MLPs.",
)
def moe_mlp(
    input_shape: tuple[int, ...],
    num_outputs: int,
    experts: int = 4,
    k: int = 2,
    gating: Gating = "soft",
    hidden: int = 64,
    noisy: bool = True,
    activation: Activation = "relu",
) -> MoEMLP:
    experts = check_int("experts", experts, minimum=1)
    k = check_int("k", k, minimum=1)
    if k > experts:
        from learnlab.io.errors import ConfigError

        raise ConfigError(f"option 'k' must be at most experts={experts}; got {k}.")
    return MoEMLP(
        math.prod(input_shape),
        num_outputs,
        experts=experts,
        k=k,
        gating=check_choice("gating", gating, GATINGS),
        hidden=check_int("hidden", hidden, minimum=1),
        noisy=check_bool("noisy", noisy),
        activation=check_choice("activation", activation, list(ACTIVATIONS)),
    )


# --- the training objective's side --------------------------------------------------------


def moe_layers(model: nn.Module) -> list[MixtureOfExperts]:
    return [m for m in model.modules() if isinstance(m, MixtureOfExperts)]


def auxiliary_loss(model: nn.Module) -> torch.Tensor:
    """The sum of the balancing losses of `model`'s MoE layers from their last forward."""
    losses = [m.aux_loss for m in moe_layers(model) if m.aux_loss is not None]
    if not losses:
        raise ValueError("the model has no mixture-of-experts layer that ran a forward pass")
    return torch.stack(losses).sum()
