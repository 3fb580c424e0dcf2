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

Modules:
    base          the closure contract (create_graph) and the parameters as one flat vector
    line_search   a strong-Wolfe line search (Nocedal & Wright algorithms 3.5 and 3.6)
    newton        damped Newton with the exact Hessian, Levenberg-Marquardt damping
    nonlinear_cg  nonlinear conjugate gradients: Fletcher-Reeves and Polak-Ribiere+
    newton_cg     Hessian-free Newton-CG (Martens 2010) on exact Hessian-vector products
"""

from learnlab.optim.newton import Newton
from learnlab.optim.newton_cg import NewtonCG
from learnlab.optim.nonlinear_cg import NonlinearCG

__all__ = ["Newton", "NewtonCG", "NonlinearCG"]
