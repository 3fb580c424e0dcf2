"""Optimizers torch lacks, built like torch's: `Cls(params, lr=1.0, ...)`, then `step(closure)`.

The lecture's second-order and conjugate-direction methods (L4): damped Newton with
H + alpha I (alpha adapted as in Levenberg-Marquardt), nonlinear conjugate gradients
(Fletcher-Reeves, Polak-Ribiere+) with a strong-Wolfe line search, and Hessian-free
Newton-CG on Hessian-vector products. Each is a `torch.optim.Optimizer` whose `step` takes a
closure that re-evaluates the loss (as torch.optim.LBFGS's does); `learnlab.train.optimizers`
offers them by name (`newton`, `cg`, `newton-cg`) to the Trainer and `learnlab train
--optimizer`.

This package sits below `learnlab.train` (tests/test_architecture.py): it may import torch,
`learnlab.io` and `learnlab.objectives`, never the Trainer.
"""
