"""Adversarial examples: inputs changed by a small, bounded amount that the model misclassifies.

Szegedy et al. (2014), "Intriguing properties of neural networks" (ICLR): a box-constrained
L-BFGS search for the smallest change that makes the model predict a chosen class; Goodfellow,
Shlens & Szegedy (2015), "Explaining and harnessing adversarial examples" (ICLR): the fast
gradient sign method and adversarial training; Madry et al. (2018), "Towards deep learning
models resistant to adversarial attacks" (ICLR): projected gradient descent.

Every attack takes the model, inputs in [0, 1] and their labels (or target classes), returns
the adversarial inputs (a tensor like the inputs, in [0, 1] and within the budget) and leaves
the model as it came (`preserved_model_state`: attacks run it in eval mode). Whether an attack
succeeded is read by predicting its outputs again (`success.py`), never from a flag the attack
computed on its way.

Modules:

    inputs    checks of what an attack is given, the default loss (cross-entropy of logits)
    success   predictions in batches, success by re-prediction, the distortion of a change
    gradient  fgsm and pgd (L-inf or L2), the steps of learnlab.objectives.adversarial
    lbfgs     Szegedy et al.'s box-constrained L-BFGS attack toward a target class
"""
