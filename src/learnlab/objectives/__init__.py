"""Training objectives: what a model is trained to minimise on a batch.

The contract (`learnlab.objectives.base`): an objective is called with `(model, batch)` and
returns `(loss, metrics)`; `batch_examples(batch)` says how many examples the batch holds, so
a batch can be any structure; `extra_modules()` lists the trainable modules it owns. Metrics
are 0-dim tensors (batch means), 1-dim tensors (one value per example) or `PerExample`
(computed once per epoch). `as_objective` turns a plain function into an Objective.

    supervised         cross-entropy (classification), mean squared error (regression)
    auxiliary          an objective plus a model's auxiliary loss (MoE balancing)
    language           next-token cross-entropy
    reconstruction     autoencoders' reconstruction losses and denoising corruption
    elbo               the VAE's negative ELBO, the IWAE bound
    negative_sampling  skip-gram with negative sampling
    adversarial        FGSM and PGD examples on the fly, adversarial training (Goodfellow 2015)
    consolidation      EWC and L2 to the old weights: quadratic penalties of continual learning
    hints              FitNets' hint loss: a student's layer, regressed, against a teacher's
    distillation       knowledge distillation: soft targets at temperature T (x T^2), hard loss
    domain_adversarial DANN: source labels plus a domain classifier behind gradient reversal
    prototypical       prototypical networks: softmax over -squared distances to support means
    maml               MAML: the query loss after gradient steps on an episode's supports
    attributes         zero-shot by class descriptions: attribute prediction, most probable class
    description_matching zero-shot by descriptions in words: cosine softmax to text embeddings
    clip               CLIP's symmetric InfoNCE between image and caption embeddings
    multitask          class logits plus a box: losses averaged or weighted by learned uncertainty
    semi_supervised    labelled + unlabelled batches: pseudo-labelling (Lee 2013), VAT (Miyato 2018)
    contrastive        SimCLR's NT-Xent on two augmented views, triplet loss with batch-hard mining
    ctc                connectionist temporal classification (Graves 2006), best-path decoding
    marginals          per-pixel cross-entropy of predicted marginals (structured denoising)
    cell_actions       a planner imitated on whole maps: cross-entropy at the labelled cells
"""

from learnlab.objectives.base import (
    FunctionObjective,
    Objective,
    ObjectiveLike,
    as_objective,
    count_examples,
)
from learnlab.objectives.per_example import PerExample

__all__ = [
    "FunctionObjective",
    "Objective",
    "ObjectiveLike",
    "PerExample",
    "as_objective",
    "count_examples",
]
