"""Procedures: ways of training that wrap the Trainer (the lecture's meta-algorithms, L4).

Each module is one procedure, usable from Python on any registered or user model (an
`nn.Module`) and from the CLI through a recipe: greedy layer-wise pre-training then
fine-tuning, transfer of the first k layers, teacher-student hints (FitNets), curriculum
learning, continuation, knowledge distillation.

The contract every procedure keeps:

1. Input: the model(s) as `nn.Module`s, the data as loaders (`learnlab.data.loader.
   TensorLoader` or anything the Trainer iterates), and each training phase as a `Stage`
   (`procedures.base`: epochs, optimizer name, lr, ...). New losses (soft targets, hint
   regression) are objectives in `learnlab.objectives`, so that the Trainer and the model
   doctor can use them too.
2. Training goes through `procedures.base.train_stage` (one `Trainer.fit`): the optimizers,
   events and callbacks are the Trainer's, and a stage's history is the Trainer's history.
3. Output: a frozen dataclass holding the trained model(s) and one `StageHistory` per phase,
   in order; nothing is written to disk (recipes publish Results).
4. Bad settings (a temperature <= 0, k larger than the number of layers) raise ConfigError
   naming the setting, what is allowed and what to use instead.

Modules (one idea each):

    base            Stage, StageHistory, train_stage: one phase of training through the Trainer
    curriculum      easiest examples first: pacing functions, teacher scores, a paced sampler
    hints           FitNets: fit the student's guided layer to a teacher's layer, then train
    continuation    Gaussian-smoothed objectives, the noise on the weights falling to 0
    layer_stack     an MLP split into prefix, hidden blocks and head; the frozen layers below
    layerwise       greedy layer-wise supervised pre-training, then fine-tuning (L4)
    layerwise_autoencoder  greedy layer-wise pre-training with autoencoders, then fine-tuning
    transfer        freeze the first k layers, fine-tune the rest; discriminative lrs, unfreezing
    distillation    distil a teacher into a student on its soft targets (Hinton et al. 2015)
    domain_adversarial  DANN: source and target batches in pairs, lambda_p and mu_p by progress
"""
