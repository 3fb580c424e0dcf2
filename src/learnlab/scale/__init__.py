"""Scale: training many models, or one model on many workers, at once.

`learnlab.scale.ensemble.BatchedEnsemble` trains K models of one architecture (different seeds,
learning rates, weight decays or pruning masks) as one batched computation, with the same
results as K sequential `Trainer` runs; sweeps (lottery tickets, intrinsic dimension, double
descent, seeds for error bars) build on it. Import the submodules you need.

`learnlab.scale.launch` starts `learnlab train --nproc N` through torchrun
(torch.distributed.run); `learnlab.scale.distributed` joins torchrun's process group in each
process, wraps the model in DistributedDataParallel and reduces metrics across ranks.
"""
