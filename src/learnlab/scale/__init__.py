"""Scale: training many models, or one model on many workers, at once.

`learnlab.scale.ensemble.BatchedEnsemble` trains K models of one architecture (different seeds,
learning rates, weight decays or pruning masks) as one batched computation, with the same
results as K sequential `Trainer` runs; sweeps (lottery tickets, intrinsic dimension, double
descent, seeds for error bars) build on it. Import the submodules you need.

`learnlab.scale.hogwild`: Hogwild! asynchronous SGD, worker processes writing their SGD steps
into shared weights without locks, and the synchronous Trainer run it is compared with.
"""
