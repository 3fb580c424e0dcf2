"""The skip-gram model: an input and an output vector per word, scored by their dot product.

Mikolov, Chen, Corrado & Dean (2013), "Efficient estimation of word representations in vector
space" (ICLR workshop) introduced it; Mikolov, Sutskever, Chen, Corrado & Dean (2013),
"Distributed representations of words and phrases and their compositionality" (NIPS) trained it
with negative sampling (`learnlab.objectives.negative_sampling`). A centre word c has the input
vector v_c (row c of `input_embeddings`), a context word o the output vector u_o (row o of
`output_embeddings`); the score of the pair is u_o . v_c, and sigma(score) is the model's
probability that o was really seen near c rather than drawn from the noise distribution.
The input vectors are the word embeddings one keeps.

Registry: `skip-gram` with `num_outputs` = the vocabulary size and `input_shape` = (C,), the
number of candidate context words scored per centre (1 true + k noise words). Forward:
`model(centres (N,), candidates (N, C)) -> scores (N, C)`, both int64 ids.

Initialisation: word2vec's code starts the input vectors uniform in [-0.5/d, 0.5/d] and the
output vectors at zero; here both are uniform in that range, because with a zero table the
first gradient reaching the input vectors would be zero (and the scores would not depend on the
seed), while the first steps are the same in effect.

Example:
    >>> model = build_skip_gram((6,), 100, dim=16)
    >>> model(torch.tensor([3, 7]), torch.tensor([[1, 2, 3, 4, 5, 6]] * 2)).shape
    torch.Size([2, 6])
"""

from __future__ import annotations

import torch
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.models.registry import check_int, register_model


class SkipGram(nn.Module):
    def __init__(self, vocabulary_size: int, dim: int) -> None:
        super().__init__()
        self.input_embeddings = nn.Embedding(vocabulary_size, dim)
        self.output_embeddings = nn.Embedding(vocabulary_size, dim)
        bound = 0.5 / dim
        nn.init.uniform_(self.input_embeddings.weight, -bound, bound)
        nn.init.uniform_(self.output_embeddings.weight, -bound, bound)

    def forward(self, centres: torch.Tensor, candidates: torch.Tensor) -> torch.Tensor:
        v = self.input_embeddings(centres)  # (N, d)
        u = self.output_embeddings(candidates)  # (N, C, d)
        return torch.bmm(u, v.unsqueeze(2)).squeeze(2)

    def word_vectors(self, add_output: bool = False) -> torch.Tensor:
        """The embeddings one keeps, detached, (vocabulary, dim): the input vectors v, or with
        `add_output` v + u, which Levy, Goldberg & Dagan (2015, "Improving distributional
        similarity with lessons learned from word embeddings") found better for similarity
        (as GloVe's W + W~; Pennington et al., 2014)."""
        vectors = self.input_embeddings.weight.detach().clone()
        if add_output:
            vectors += self.output_embeddings.weight.detach()
        return vectors


@register_model(
    "skip-gram",
    "skip-gram word vectors (input and output embedding tables), scores u_o . v_c of "
    "(centre, candidate context) id pairs; num_outputs = vocabulary size",
)
def build_skip_gram(input_shape: tuple[int, ...], num_outputs: int, dim: int = 64) -> SkipGram:
    if len(input_shape) != 1:
        raise ConfigError(
            f"takes (C,), the number of candidate contexts per centre word (1 + negatives); "
            f"got input_shape {input_shape}."
        )
    if num_outputs < 2:
        raise ConfigError(f"needs a vocabulary of at least 2 words; got {num_outputs}.")
    return SkipGram(num_outputs, check_int("dim", dim, minimum=1))
