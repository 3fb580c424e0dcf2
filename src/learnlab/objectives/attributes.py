"""Zero-shot learning from class description vectors: direct attribute prediction.

Each class is described by a vector of binary attributes (`descriptions`, classes x
attributes). A model with one sigmoid output per attribute is trained on the examples of the
seen classes to predict their class's attributes (`AttributePrediction`: the mean binary
cross-entropy over attributes). A class never seen in training is then recognised through its
description alone (`most_probable_class`): the most probable description among the candidate
classes, the attributes taken as independent (Lampert, Nickisch & Harmeling 2009, "direct
attribute prediction", with a uniform prior over the attribute values; Larochelle, Erhan &
Bengio 2008, "zero-data learning"). `SEVEN_SEGMENT_CODES` describes the ten digits by the
segments a seven-segment display lights for them.

Example:
    >>> import torch
    >>> logits = torch.tensor([[9.0, -9.0, 9.0, 9.0, -9.0, -9.0, 9.0]])  # a b c d g lit: "3"
    >>> int(most_probable_class(logits, seven_segment_codes(), [3, 8]))
    3
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.objectives.base import Metrics, Objective

# the segments in the usual order a..g
SEGMENTS = ("top", "upper-right", "lower-right", "bottom", "lower-left", "upper-left", "middle")
# digit -> the segments it lights (6 with its top bar, 7 without the upper-left, 9 with bottom)
SEVEN_SEGMENT_CODES = (
    "1111110",  # 0
    "0110000",  # 1
    "1101101",  # 2
    "1111001",  # 3
    "0110011",  # 4
    "1011011",  # 5
    "1011111",  # 6
    "1110000",  # 7
    "1111111",  # 8
    "1111011",  # 9
)


def seven_segment_codes() -> torch.Tensor:
    """The ten digits' seven-segment codes as a (10, 7) float tensor of 0s and 1s."""
    return torch.tensor([[float(bit) for bit in code] for code in SEVEN_SEGMENT_CODES])


def lit_segments(digit: int) -> list[str]:
    """The names of the segments that `digit` lights, in the order a..g."""
    return [
        name for name, bit in zip(SEGMENTS, SEVEN_SEGMENT_CODES[digit], strict=True) if bit == "1"
    ]


def check_attributes_vary(descriptions: torch.Tensor, seen: Sequence[int]) -> None:
    """ConfigError unless every attribute is on for some seen class and off for another: an
    attribute constant over the seen classes cannot be learnt from them."""
    rows = descriptions[list(seen)]
    constant = [m for m in range(rows.shape[1]) if rows[:, m].min() == rows[:, m].max()]
    if constant:
        raise ConfigError(
            f"with seen classes {sorted(seen)}, attribute(s) {constant} take one value only, "
            "so no predictor can learn them; choose unseen classes that leave each attribute "
            "both on and off among the seen ones."
        )


def attribute_log_likelihoods(logits: torch.Tensor, descriptions: torch.Tensor) -> torch.Tensor:
    """(examples, classes): log p(description of class z | x) = sum over attributes m of
    log sigmoid(+-logit_m), the attributes independent given x."""
    positive = F.logsigmoid(logits)  # log p(a_m = 1 | x)
    negative = F.logsigmoid(-logits)  # log p(a_m = 0 | x)
    return positive @ descriptions.T + negative @ (1 - descriptions).T


def most_probable_class(
    logits: torch.Tensor, descriptions: torch.Tensor, candidates: Sequence[int]
) -> torch.Tensor:
    """For each example, the candidate class whose description is the most probable."""
    if not len(candidates):
        raise ConfigError("most_probable_class needs at least one candidate class")
    chosen = torch.as_tensor(list(candidates), dtype=torch.long)
    scores = attribute_log_likelihoods(logits, descriptions[chosen])
    return chosen[scores.argmax(dim=1)]


def nearest_description_class(
    logits: torch.Tensor, descriptions: torch.Tensor, candidates: Sequence[int]
) -> torch.Tensor:
    """For each example, the candidate class whose description is nearest (Hamming distance,
    ties to the first candidate) to the thresholded attribute predictions."""
    chosen = torch.as_tensor(list(candidates), dtype=torch.long)
    predicted = (logits > 0).float()
    distances = torch.cdist(predicted, descriptions[chosen], p=1)
    return chosen[distances.argmin(dim=1)]


class AttributePrediction(Objective):
    """Mean binary cross-entropy between the model's attribute logits and the description of
    each example's class; batches are (inputs, class labels)."""

    metric_names = ("attribute_accuracy",)

    def __init__(self, descriptions: torch.Tensor):
        if descriptions.dim() != 2:
            raise ConfigError(
                f"descriptions must be (classes, attributes); got shape {tuple(descriptions.shape)}"
            )
        self.descriptions = descriptions.float()

    def __call__(self, model: nn.Module, batch) -> tuple[torch.Tensor, Metrics]:
        inputs, labels = batch
        logits = model(inputs)
        targets = self.descriptions.to(logits.device)[labels]
        loss = F.binary_cross_entropy_with_logits(logits, targets)
        accuracy = ((logits > 0).float() == targets).float().mean(dim=1)
        return loss, {"attribute_accuracy": accuracy.detach()}
