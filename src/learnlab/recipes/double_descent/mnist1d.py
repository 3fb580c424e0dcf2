"""Part (a): test error against the width H of an MLP with two hidden layers of H units on
MNIST-1D with 15% of the training labels replaced at random, as the mnist1d repository's
deep-double-descent notebook (notebooks/deep-double-descent.ipynb) does it.

The notebook: `make_dataset` with mnist1d's default arguments but num_samples = 16,000 and
train_split = 0.25 (4,000 training and 12,000 test signals: a larger test set for a smoother
curve); each training label replaced, with probability 0.15, by a uniform draw from the 10
classes (so it may stay the same); Linear(40, H) ReLU Linear(H, H) ReLU Linear(H, 10) with
torch's default initialisation; SGD lr 0.01, momentum 0.9, batch 100 (shuffled), 500 epochs;
widths np.unique(np.geomspace(2, 300, 20, dtype=int)); one run per width.
"""

from __future__ import annotations

import random
import time
from typing import Any

import numpy as np
import torch
from torch import Tensor

from learnlab.result import Result


def mnist1d_with_label_noise(config) -> dict[str, Tensor]:
    """The notebook's MNIST-1D sizes (`mnist1d_samples`, `mnist1d_train_split`) from the
    mnist1d package, with the training labels replaced at random with probability
    `label_noise` (numpy generator seeded by `seed`). The global random states are restored."""
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.num_samples = config.mnist1d_samples
    args.train_split = config.mnist1d_train_split
    py_state, np_state = random.getstate(), np.random.get_state()
    try:  # make_dataset seeds the global generators with args.seed
        data = make_dataset(args)
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
    y = np.array(data["y"], dtype=np.int64)
    rng = np.random.default_rng(config.seed)
    replace = rng.random(len(y)) < config.label_noise
    y[replace] = rng.integers(0, 10, int(replace.sum()))
    return {
        "x": torch.from_numpy(np.asarray(data["x"], dtype=np.float32)),
        "y": torch.from_numpy(y),
        "x_test": torch.from_numpy(np.asarray(data["x_test"], dtype=np.float32)),
        "y_test": torch.from_numpy(np.asarray(data["y_test"], dtype=np.int64)),
        "changed": torch.tensor(float((y != np.asarray(data["y"])).mean())),
    }


def run_mnist1d_part(config, console: Any) -> Result:
    """Part (a) as a Result of its own (resumable with `ctx.part`)."""
    from learnlab.scale.padded_widths import train_width_sweep

    start = time.process_time()
    data = mnist1d_with_label_noise(config)

    def announce(group: list[int]) -> None:
        if console is not None and config.progress:
            console.print(f"double-descent (a): training widths {group} as one batched ensemble")

    runs = train_width_sweep(
        data["x"],
        data["y"],
        data["x_test"],
        data["y_test"],
        config.widths,
        config.seed,
        epochs=config.epochs,
        batch_size=config.batch_size,
        optimizer="momentum",
        lr=config.lr,
        momentum=config.momentum,
        on_group=announce,
    )
    summary = {
        "widths": [r.width for r in runs],
        "parameters": [r.parameters for r in runs],
        "train": [r.train_error for r in runs],
        "test": [r.test_error for r in runs],
        "train_loss": [r.train_loss for r in runs],
        "test_loss": [r.test_loss for r in runs],
        "train_size": len(data["y"]),
        "test_size": len(data["y_test"]),
        "labels_changed": float(data["changed"]),
        "cpu_seconds": time.process_time() - start,
    }
    return Result(kind="double-descent-mnist1d", title="double-descent (a)", summary=summary)
