"""Analyses: probes of a trained model, each returning a small dataclass of numbers and arrays.

The contract every analysis here keeps (tests/analysis/test_analysis_contract.py checks the
first three over every analysis that takes a model):

1. Input: a model and data (a batch, a loader, tensors), or a loss closure and the parameters
   it depends on, or vectors a model produced (embeddings). Nothing is trained or written.
2. Output: a frozen dataclass of Python numbers and NumPy/torch arrays (on the CPU), small
   enough to store in a Result's summary, tables or figure data.
3. The model comes back as it came: its train/eval mode and every parameter's `requires_grad`
   (`preserved_model_state`), its weights untouched and its gradients as they were.
4. Tested against an exact oracle on a small case: a dense Hessian with `eigh` in float64,
   finite differences, scikit-learn's or SciPy's answer to the same question.

Modules (one idea each):

    base            preserved_model_state, the loss closure of an objective on a batch
    hessian         Hessian-vector products, the dense Hessian of a small model, its extreme
                    eigenvalues by Lanczos (SciPy's eigsh on the product); re-exports the
                    closure-based estimators of the next four modules
    hessian_operator  the Hessian of a loss closure as an operator on flat vectors (HVPs)
    lanczos         top_eigenvalues by Lanczos (full reorthogonalisation) or power iteration
    hutchinson      trace: Hutchinson's estimate of tr(H) with its standard error
    spectral_density  stochastic Lanczos quadrature: density, moments, the index
    sharpness       Keskar's sharpness: the loss's largest rise in a box around x, by L-BFGS-B
    critical_points critical points from many starts (minimising |grad L|^2), their index
    damped_newton   Dauphin et al.'s damped Newton on grad L = 0 (Levenberg-Marquardt)
    pseudo_newton   Newton on grad L = 0 with the pseudo-inverse -H^+ g and a line search on |g|
    newton_mr       Newton-MR: MINRES steps on Hessian-vector products, Armijo search on |g|^2
    batch_norm      batch_norm_statistics: batch norm by running or by batch statistics
    embeddings      cosine neighbours, analogies, sentence vectors, linear probes of vectors
    learning_curve  a power law err(n) = a n^-b + c fitted to a learning curve's points
    adversarial     attacks and their success; gradient: fgsm, pgd (adversarial training:
                    learnlab.objectives.adversarial); lbfgs: Szegedy et al.'s smallest change
                    toward a target class
    landscape       the loss along a line between two parameter sets and on a plane of
                    filter-normalised directions; resumable scans, their figures
    teacher_student data labelled by a random N-unit teacher; students of several widths
                    from many seeds (a batched ensemble), the fraction reaching a low loss
    min_norm        the minimum-norm least-squares solution (SVD or Gram), pinv of a Gram matrix;
                    random_features: Rahimi & Recht's random Fourier features; bias_variance:
                    bias^2 + variance + noise over training sets (fresh or bootstrap)
    fisher          the diagonal Fisher information (true or empirical) by per-example gradients
    subspace        subspace training theta_0 + P theta_d (dense, sparse, Fastfood P), d_int90
    pruning         pruning masks: layer-wise magnitude and random, iterative pruning's rates
    validated_ensemble  a batched ensemble from given weights, early-stopped on validation loss
    lottery         iterative magnitude pruning (lottery tickets) with its two controls

The lectures' "unintuitive properties" (adversarial examples, sharpness, loss landscapes,
intrinsic dimension, lottery tickets, memorization) are added here as modules of this form.
"""
