"""transfer: freeze the first k layers of an MNIST network and fine-tune the rest on a few
labelled USPS digits, against training from scratch (lectures L1 and L4; Yosinski et al.
2014; discriminative learning rates and gradual unfreezing of Howard & Ruder 2018).

For each seed, the network (LeNet-5 by default) is trained on MNIST (`source-seed-<s>`, kept as
model.safetensors, so `--resume` keeps it); then (`targets-seed-<s>`) for 100 and 1,000
labelled USPS images it is fine-tuned with its first k layers frozen, for every k from 0
(everything fine-tuned) to all (the MNIST network applied as it is), with discriminative
learning rates (k = 0) and with gradual unfreezing (k = 0), and the same network is trained from
scratch on the same images. MNIST's central 20x20 is resized to USPS's 16x16 (data.py). Every
phase goes through `learnlab.procedures.transfer.fine_tune` (the Trainer).

The comparison with scratch takes, per seed and number of examples, the transfer row with the
lowest error on held-out USPS training images (validation), so the test set chooses nothing.

Every target run takes the same number of Adam steps (`steps`, chosen on validation so that
scratch is not cut short: see config.py), whatever the number of examples; gradual unfreezing
spends the first half of its epochs adding the layers one by one from the top (equal shares),
the second half training all of them (`learnlab.procedures.transfer.fine_tune(gradual=True)`).
Each seed draws its own source network, labelled examples, batch order and scratch start.

Measured (default config, 2026-12-06, `OMP_NUM_THREADS=1 learnlab run transfer --run-dir RUN
--set progress=false`; 271 s of user CPU time on one thread, 13 min 31 s of wall time on the
shared 2-core machine): the MNIST networks 1.65, 1.95, 2.11% test error, 7.82, 5.88, 7.32% on
USPS without fine-tuning (k = 5). USPS test error, mean +- std over 3 seeds, 100 / 1,000
labelled examples: k = 0 6.13 +- 0.65 / 4.27 +- 0.42; k = 1 6.00 / 4.37; k = 2 6.48 / 4.75;
k = 3 6.29 / 5.05; k = 4 6.58 / 5.23; k = 5 7.01 / 7.01; discriminative lrs 6.31 / 4.67;
gradual unfreezing 6.84 / 4.78; scratch 18.02 +- 1.08 / 7.54 +- 0.58. Transfer (row chosen
on validation per seed) 6.26% / 4.88% against scratch: gains +11.8 +- 1.9 and +2.7 +- 0.7
points (every seed gains: 9.8 to 13.5 and 1.9 to 3.3): the target (transfer beats scratch)
is met. Freezing more layers costs a little more error the more examples there are; neither
discriminative learning rates nor gradual unfreezing beat plain fine-tuning of every layer
(k = 0) here: no gain from them on this task.
"""

from __future__ import annotations

from learnlab.recipes.context import RunContext
from learnlab.recipes.registry import register_recipe
from learnlab.recipes.transfer.config import TransferConfig
from learnlab.result import Result

NAME = "transfer"


@register_recipe(
    NAME,
    "Transfer learning: an MNIST network's first k layers frozen, the rest fine-tuned on 100 "
    "and 1,000 USPS digits, against scratch; discriminative lrs and gradual unfreezing",
    TransferConfig,
    quick={
        "limit_source": 1000,
        "source_epochs": 1,
        "examples_per_class": [2, 5],
        "steps": 4,
        "batch_size": 10,
        "val_examples": 200,
        "limit_test": 200,
        "seeds": 2,
    },
)
def run(config: TransferConfig, ctx: RunContext) -> Result:
    from learnlab.models.saved import load_model
    from learnlab.recipes.transfer.data import load_transfer_data
    from learnlab.recipes.transfer.experiment import train_source, train_targets
    from learnlab.recipes.transfer.outcome import result

    data = load_transfer_data(config)
    sources, targets = [], []
    for seed in config.seed_list():
        name = f"source-seed-{seed}"
        source = ctx.part(name, train_source, config, data, seed)
        saved = source.models.get("model")
        network = saved.module if saved is not None else load_model(ctx.part_dir(name))
        if config.progress:
            ctx.console.print(
                f"{NAME}: seed {seed}: MNIST test error "
                f"{100 * source.summary['mnist_test_error']:.2f}%"
            )
        sources.append(source)
        targets.append(ctx.part(f"targets-seed-{seed}", train_targets, config, data, network, seed))
    return result(config, sources, targets)
