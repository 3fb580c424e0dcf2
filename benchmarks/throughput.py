"""Training throughput: learnlab's Trainer against a hand-written loop, the DataLoader loop that
tutorials teach, PyTorch Lightning and Keras 3 (torch backend), side by side.

    .venv/bin/python benchmarks/throughput.py [--repeats 5] [--quick]

Same model, data, batch size (64), optimizer (Adam, lr 1e-3) and number of steps for every
way; a fresh model per run; the ways run in turn, `repeats` times. Models: an MNIST-1D MLP
(40-100-100-10, overhead-bound), the 784-512-512-10 MLP and LeNet-5 on MNIST.
Lightning and Keras come from the `bench` extra (`pip install -e '.[bench]'`); without them
their rows are skipped. Results: benchmarks/results/throughput.json.
"""

from __future__ import annotations

import argparse
import logging
import os
import warnings
from contextlib import redirect_stderr, redirect_stdout

import torch
import torch.nn.functional as F
from common import interleaved, mnist1d_tensors, mnist_tensors, print_table, timed, write_results

BATCH = 64
LR = 1e-3


# -- the models, built the same way for every torch-based way ------------------------------
def build(model: str) -> torch.nn.Module:
    from learnlab.models import build_model

    torch.manual_seed(0)
    if model == "mnist1d-mlp":
        return build_model("mlp", (1, 40), 10, depth=2, width=100)
    if model == "mlp-512":
        return build_model("mlp", (1, 28, 28), 10, depth=2, width=512)
    return build_model("lenet5", (1, 28, 28), 10)


# -- the ways ---------------------------------------------------------------------------------
def learnlab_trainer(model: str, x, y) -> float:
    from learnlab.data import TensorLoader
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.train.callbacks import LossCurve, NanGuard
    from learnlab.train.optimizers import build_optimizer
    from learnlab.train.trainer import Trainer

    net = build(model)
    optimizer = build_optimizer("adam", net.parameters(), lr=LR)
    loader = TensorLoader(x, y, batch_size=BATCH, drop_last=True, seed=0)
    # the per-batch callbacks of `learnlab train` (progress and checkpoints are time-based)
    trainer = Trainer(net, CrossEntropy(), optimizer, callbacks=[NanGuard(), LossCurve()])
    return timed(lambda: trainer.fit(loader, epochs=1))


def hand_loop(model: str, x, y) -> float:
    """The best loop one writes by hand: in-memory slices, multi-tensor Adam."""
    net = build(model)
    optimizer = torch.optim.Adam(net.parameters(), lr=LR, foreach=True)

    def run():
        order = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
        for i in range(0, len(x) - BATCH + 1, BATCH):
            index = order[i : i + BATCH]
            loss = F.cross_entropy(net(x[index]), y[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

    return timed(run)


def dataloader_loop(model: str, x, y) -> float:
    """The loop of the tutorials: torch DataLoader over a TensorDataset, default Adam."""
    net = build(model)
    optimizer = torch.optim.Adam(net.parameters(), lr=LR)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, y), batch_size=BATCH, shuffle=True, drop_last=True
    )

    def run():
        for xb, yb in loader:
            loss = F.cross_entropy(net(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    return timed(run)


def lightning(model: str, x, y) -> float:
    import pytorch_lightning as pl

    class Module(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = build(model)

        def training_step(self, batch, batch_index):
            xb, yb = batch
            return F.cross_entropy(self.net(xb), yb)

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=LR)

    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, y), batch_size=BATCH, shuffle=True, drop_last=True
    )
    trainer = pl.Trainer(  # the settings that keep Lightning to training alone
        max_epochs=1,
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
    )
    module = Module()
    # Lightning prints banners and tips on every fit; keep them out of the table
    with open(os.devnull, "w") as sink, redirect_stdout(sink), redirect_stderr(sink):
        return timed(lambda: trainer.fit(module, loader))


def keras_torch(model: str, x, y) -> float:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    keras.utils.set_random_seed(0)
    layers = keras.layers
    if model == "mnist1d-mlp":
        net = keras.Sequential(
            [
                keras.Input((40,)),
                layers.Dense(100, activation="relu"),
                layers.Dense(100, activation="relu"),
                layers.Dense(10),
            ]
        )
        data = x.flatten(1).numpy()
    elif model == "mlp-512":
        net = keras.Sequential(
            [
                keras.Input((784,)),
                layers.Dense(512, activation="relu"),
                layers.Dense(512, activation="relu"),
                layers.Dense(10),
            ]
        )
        data = x.flatten(1).numpy()
    else:
        net = keras.Sequential(
            [
                keras.Input((28, 28, 1)),
                layers.Conv2D(6, 5, padding="same", activation="relu"),
                layers.MaxPooling2D(2),
                layers.Conv2D(16, 5, activation="relu"),
                layers.MaxPooling2D(2),
                layers.Flatten(),
                layers.Dense(120, activation="relu"),
                layers.Dense(84, activation="relu"),
                layers.Dense(10),
            ]
        )
        data = x.permute(0, 2, 3, 1).numpy()
    net.compile(
        optimizer=keras.optimizers.Adam(LR),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    labels = y.numpy()
    return timed(lambda: net.fit(data, labels, batch_size=BATCH, epochs=1, shuffle=True, verbose=0))


WAYS = {
    "learnlab Trainer": learnlab_trainer,
    "hand-written loop": hand_loop,
    "DataLoader loop": dataloader_loop,
    "PyTorch Lightning": lightning,
    "Keras 3 (torch)": keras_torch,
}


def available(name: str) -> bool:
    module = {"PyTorch Lightning": "pytorch_lightning", "Keras 3 (torch)": "keras"}.get(name)
    if module is None:
        return True
    import importlib.util

    return importlib.util.find_spec(module) is not None


def quiet() -> None:
    warnings.filterwarnings("ignore")
    for name in ("pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric"):
        logging.getLogger(name).setLevel(logging.ERROR)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="fewer steps, for a smoke test")
    args = parser.parse_args()
    quiet()
    x1, y1 = mnist1d_tensors()
    xm, ym, _, _ = mnist_tensors()
    scale = 4 if args.quick else 1
    setups = {  # steps chosen so that one run of the slowest way takes about a second
        "mnist1d-mlp": (x1, y1, 1000 // scale),
        "mlp-512": (xm, ym, 400 // scale),
        "lenet5": (xm, ym, 200 // scale),
    }
    ways = {name: fn for name, fn in WAYS.items() if available(name)}
    results, rows = [], []
    for model, (x, y, steps) in setups.items():
        n = min(len(x), steps * BATCH)
        xs, ys = x[:n].contiguous(), y[:n].contiguous()
        stats = interleaved(
            {
                name: (lambda fn=fn, model=model, xs=xs, ys=ys: fn(model, xs, ys))
                for name, fn in ways.items()
            },
            args.repeats,
        )
        hand = stats["hand-written loop"]["median"]
        for name, s in stats.items():
            per_step = s["median"] / (n // BATCH)
            speed = hand / s["median"]
            results.append(
                {
                    "model": model,
                    "way": name,
                    "steps": n // BATCH,
                    "batch_size": BATCH,
                    "us_per_step_median": 1e6 * per_step,
                    "us_per_step_min": 1e6 * s["min"] / (n // BATCH),
                    "us_per_step_max": 1e6 * s["max"] / (n // BATCH),
                    "speed_relative_to_hand_loop": speed,
                }
            )
            rows.append(
                [
                    model,
                    name,
                    f"{1e6 * per_step:.1f}",
                    f"{1e6 * s['min'] / (n // BATCH):.1f}-{1e6 * s['max'] / (n // BATCH):.1f}",
                    f"{speed:.3f}",
                ]
            )
    skipped = [name for name in WAYS if name not in ways]
    print_table(
        f"Training throughput, batch {BATCH}, Adam (median of {args.repeats})",
        ["model", "way", "us/step", "min-max", "speed vs hand loop"],
        rows,
    )
    if skipped:
        print(f"skipped (not installed; pip install -e '.[bench]'): {', '.join(skipped)}")
    targets = target_lines(results)
    for line in targets:
        print(line)
    path = write_results(
        "throughput", {"repeats": args.repeats, "results": results, "targets": targets}
    )
    print(f"wrote {path}")


def target_lines(results: list[dict]) -> list[str]:
    def speed(model, way):
        for r in results:
            if r["model"] == model and r["way"] == way:
                return r["us_per_step_median"]
        return None

    lines = []
    for model in ("mnist1d-mlp", "mlp-512", "lenet5"):
        ours, hand = speed(model, "learnlab Trainer"), speed(model, "hand-written loop")
        lines.append(f"target learnlab/hand >= 0.95 on {model}: {hand / ours:.3f}")
    for model, way, goal in (
        ("mnist1d-mlp", "PyTorch Lightning", 3.0),
        ("mlp-512", "PyTorch Lightning", 1.15),
        ("mnist1d-mlp", "Keras 3 (torch)", 2.0),
    ):
        other, ours = speed(model, way), speed(model, "learnlab Trainer")
        if other is not None:
            lines.append(f"target learnlab/{way} >= {goal} on {model}: {other / ours:.2f}")
    return lines


if __name__ == "__main__":
    main()
