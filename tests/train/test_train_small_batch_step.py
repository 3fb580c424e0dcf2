"""The Trainer's batch-64 step does the hand-written loop's arithmetic, bit for bit (issue 19).

The roofline benchmark compares the Trainer with the best hand-written loop (index_select
batches, torch's fused Adam, gradients set to None); the speed work on the Trainer's path must
keep its numbers. Oracle: that loop, written here with torch alone, on the roofline's MLP
shape (smaller) at batch 64 over two epochs. A change of the step's arithmetic (the optimizer's
kernel, e.g. foreach for fused Adam; the order of the examples in a batch or of the batches)
changes the weights or Adam's moments and fails the test.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from learnlab.data.loader import TensorLoader
from learnlab.models import build_model
from learnlab.objectives.supervised import CrossEntropy
from learnlab.train.callbacks import LossCurve, NanGuard
from learnlab.train.optimizers import build_optimizer
from learnlab.train.trainer import Trainer

BATCH, EXAMPLES, EPOCHS, LR = 64, 320, 2, 1e-3


def data():
    g = torch.Generator().manual_seed(3)
    return torch.randn(EXAMPLES, 1, 8, 8, generator=g), torch.randint(
        0, 10, (EXAMPLES,), generator=g
    )


def mlp():
    torch.manual_seed(0)
    return build_model("mlp", (1, 8, 8), 10, depth=2, width=48)


def trained_by_trainer(x, y):
    net = mlp()
    optimizer = build_optimizer("adam", net.parameters(), lr=LR)
    trainer = Trainer(net, CrossEntropy(), optimizer, callbacks=[NanGuard(), LossCurve()])
    trainer.fit(TensorLoader(x, y, batch_size=BATCH, drop_last=True, seed=0), epochs=EPOCHS)
    return net, optimizer, trainer


def trained_by_hand(x, y):
    net = mlp()
    optimizer = torch.optim.Adam(net.parameters(), lr=LR, fused=True)
    order_generator = torch.Generator().manual_seed(0)  # the loader's: one permutation an epoch
    losses = []
    for _ in range(EPOCHS):
        order = torch.randperm(len(x), generator=order_generator)
        for i in range(len(x) // BATCH):
            index = order[i * BATCH : (i + 1) * BATCH]
            loss = F.cross_entropy(net(x.index_select(0, index)), y.index_select(0, index))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return net, optimizer, losses


def test_trainer_step_equals_the_hand_written_loop_bitwise():
    x, y = data()
    net, optimizer, trainer = trained_by_trainer(x, y)
    oracle, oracle_optimizer, oracle_losses = trained_by_hand(x, y)
    for (name, a), b in zip(net.state_dict().items(), oracle.state_dict().values(), strict=True):
        assert torch.equal(a, b), f"{name} differs from the hand-written loop's"
    for p, q in zip(net.parameters(), oracle.parameters(), strict=True):
        ours, theirs = optimizer.state[p], oracle_optimizer.state[q]
        assert torch.equal(ours["exp_avg"], theirs["exp_avg"])
        assert torch.equal(ours["exp_avg_sq"], theirs["exp_avg_sq"])
        assert float(ours["step"]) == float(theirs["step"]) == EPOCHS * (EXAMPLES // BATCH)
    assert trainer.callback(LossCurve).losses == oracle_losses
