"""Scale: training many models, or one model on many workers, at once.

`learnlab.scale.ensemble.BatchedEnsemble` trains K models of one architecture (different seeds,
learning rates, weight decays or pruning masks) as one batched computation, with the same
results as K sequential `Trainer` runs; sweeps (lottery tickets, intrinsic dimension, double
descent, seeds for error bars) build on it.

`learnlab.scale.launch` starts `learnlab train --nproc N` through torchrun
(torch.distributed.run); `learnlab.scale.distributed` joins torchrun's process group in each
process, wraps the model in DistributedDataParallel and reduces metrics across ranks.

`learnlab.scale.pipeline` runs one model cut into stages (`scale.stages`) on one process per
stage (`scale.processes`), GPipe style, and times its bubble (`scale.pipeline_timing`).

`learnlab.scale.hogwild`: Hogwild! asynchronous SGD, worker processes writing their SGD steps
into shared weights without locks, and the synchronous Trainer run it is compared with.

Import the submodules you need.
"""
