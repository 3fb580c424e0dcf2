"""BatchedEnsemble(mode="fast") against its oracle: sequential Trainer runs with the same seeds.

Fast mode runs the same algorithm as the sequential runs, rounded differently, so in float64
its members equal them to rounding (1e-10); in float32 they drift (benchmarks/ensembles.py).
"""

from __future__ import annotations

import pytest
import torch

from learnlab.data import TensorLoader, load_dataset, normalize
from learnlab.io.errors import ConfigError
from learnlab.models import build_model
from learnlab.objectives.supervised import CrossEntropy
from learnlab.scale.ensemble import BatchedEnsemble, MaskCallback
from learnlab.train.trainer import Trainer

SEEDS = [3, 1, 4, 15]
WDS = [0.0, 1e-3, 5e-2, 1e-2]
BATCH = 100
LRS = {"sgd": [0.2, 0.5, 0.1, 0.3], "adam": [4e-3, 1e-2, 2e-3, 6e-3]}
LRS |= {"momentum": LRS["sgd"], "adamw": LRS["adam"]}
MOMENTA = {"momentum": [0.9, 0.0, 0.5, 0.95]}


def build(dtype=torch.float64, norm="none"):
    return lambda: build_model("mlp", (1, 40), 10, depth=2, width=32, norm=norm).to(dtype)


@pytest.fixture(scope="module")
def data():
    ds = load_dataset("mnist1d")
    x = normalize(ds.train.x[:456], scale=ds.scale, mean=ds.mean, std=ds.std)
    return x.double(), ds.train.y[:456]  # 456 = 4 * 100 + 56: a partial batch every epoch


def sequential(data, name, epochs, masks=None):
    """The oracle: torch's optimizer and learnlab's Trainer, one member after another."""
    x, y = data
    models = []
    for k, seed in enumerate(SEEDS):
        torch.manual_seed(seed)
        model = build(x.dtype)()
        lr, wd = LRS[name][k], WDS[k]
        if name in ("sgd", "momentum"):
            momentum = MOMENTA.get(name, [0.0] * 4)[k]
            opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=wd)
        else:
            cls = torch.optim.Adam if name == "adam" else torch.optim.AdamW
            opt = cls(model.parameters(), lr=lr, weight_decay=wd)
        callbacks = [MaskCallback(masks[k])] if masks is not None else []
        loader = TensorLoader(x, y, batch_size=BATCH, seed=seed)
        Trainer(model, CrossEntropy(), opt, callbacks=callbacks).fit(loader, epochs)
        models.append(model)
    return models


def fast_ensemble(name, dtype=torch.float64, masks=None):
    return BatchedEnsemble(
        build(dtype),
        SEEDS,
        optimizer=name,
        lr=LRS[name],
        momentum=MOMENTA.get(name, 0.0),
        weight_decay=WDS,
        masks=masks,
        mode="fast",
        device="cpu",
    )


def max_param_diff(ensemble, models):
    return max(
        (ensemble.params_[name][k] - p).abs().max().item()
        for k, model in enumerate(models)
        for name, p in model.named_parameters()
    )


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam", "adamw"])
def test_float64_fast_members_equal_sequential_runs(data, name):
    models = sequential(data, name, epochs=2)
    ens = fast_ensemble(name).fit(*data, epochs=2, batch_size=BATCH)
    assert ens._fast is not None  # the fast path ran
    assert ens.params_["fc1.weight"].shape == (4, 32, 40)  # nn.Linear's layout, as in exact
    assert max_param_diff(ens, models) < 1e-10
    # not trivially equal: the members moved far from their initialisation
    start = fast_ensemble(name).fit(*data, epochs=0, batch_size=BATCH)
    assert max_param_diff(start, models) > 0.05


def test_float32_fast_members_stay_close_and_predict_like_their_modules(data):
    x, y = data[0].float(), data[1]
    exact = BatchedEnsemble(build(torch.float32), SEEDS, lr=LRS["sgd"], device="cpu")
    fast = BatchedEnsemble(build(torch.float32), SEEDS, lr=LRS["sgd"], mode="fast", device="cpu")
    exact.fit(x, y, epochs=1, batch_size=BATCH)
    fast.fit(x, y, epochs=1, batch_size=BATCH)
    for name, p in fast.params_.items():
        assert torch.allclose(p, exact.params_[name], atol=1e-4, rtol=0)
    logits = fast.predict_logits(x)
    for k in range(len(SEEDS)):
        assert torch.allclose(fast.member(k)(x), logits[k], atol=1e-5, rtol=0)
    scores = fast.evaluate(x, y)
    assert torch.allclose(scores["loss"], exact.evaluate(x, y)["loss"], atol=1e-4)
    assert torch.allclose(fast.history_[0]["train_loss"], exact.history_[0]["train_loss"])


def relu_first_tanh_no_bias():
    return torch.nn.Sequential(
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(40, 16, bias=False),
        torch.nn.Tanh(),
        torch.nn.Linear(16, 10),
    ).double()


@pytest.mark.parametrize("make", [build(), relu_first_tanh_no_bias])
def test_fast_predictions_on_a_shared_batch_equal_each_member_module(data, make):
    x, y = data
    ens = BatchedEnsemble(make, SEEDS, lr=0.1, mode="fast", device="cpu")
    ens.fit(x, y, epochs=1, batch_size=BATCH)
    before = x.clone()
    logits = ens.predict_logits(x, batch_size=200)  # a shared batch, in chunks
    assert torch.equal(x, before) and (x < 0).any()  # the caller's x is left alone
    assert logits.shape == (len(SEEDS), len(x), 10)
    for k in range(len(SEEDS)):
        assert torch.allclose(ens.member(k)(x), logits[k], atol=1e-12, rtol=0)
    assert not torch.allclose(logits[0], logits[1], atol=1e-3)


def test_masked_fast_members_keep_pruned_weights_at_zero(data):
    g = torch.Generator().manual_seed(0)
    shapes = {"fc1.weight": (32, 40), "fc2.weight": (32, 32), "out.bias": (10,)}
    masks = [
        {n: (torch.rand(s, generator=g) < 0.5).double() for n, s in shapes.items() if k != 2}
        for k in range(4)
    ]
    models = sequential(data, "adam", epochs=2, masks=masks)
    ens = fast_ensemble("adam", masks=masks).fit(*data, epochs=2, batch_size=BATCH)
    assert max_param_diff(ens, models) < 1e-10
    for k, mask in enumerate(masks):
        for name, m in mask.items():
            assert (ens.params_[name][k][m == 0] == 0).all()  # exactly zero
            assert (ens.params_[name][k][m == 1] != 0).all()
            assert (ens.member(k).state_dict()[name][m == 0] == 0).all()
    assert (ens.params_["fc1.weight"][2] != 0).all()  # member 2 has no mask


def test_frozen_layer_stays_put_and_the_rest_trains_as_in_exact_mode(data):
    def frozen_first_layer():
        model = build()()
        model.fc1.requires_grad_(False)
        return model

    options = {"optimizer": "adamw", "lr": 1e-2, "weight_decay": WDS, "device": "cpu"}
    exact = BatchedEnsemble(frozen_first_layer, SEEDS, **options).fit(
        *data, epochs=1, batch_size=BATCH
    )
    fast = BatchedEnsemble(frozen_first_layer, SEEDS, mode="fast", **options)
    fast.fit(*data, epochs=1, batch_size=BATCH)
    assert "fc1.weight" not in fast.params_ and set(fast.params_) == set(exact.params_)
    for name, p in fast.params_.items():
        assert torch.allclose(p, exact.params_[name], atol=1e-10, rtol=0)
    start = fast.member(0)
    torch.manual_seed(SEEDS[0])
    assert torch.equal(start.fc1.weight, frozen_first_layer().fc1.weight)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "quick"}, "unknown mode 'quick'.*exact, fast"),
        ({"build": build(torch.float32, "batch")}, "mode='fast' supports plain MLPs.*'norm1'"),
        ({"build": lambda: torch.nn.Sequential(build()())}, "module '0' is a MLP"),
        ({"build": lambda: torch.nn.Conv1d(1, 10, 40)}, "is a Conv1d, not an nn.Sequential"),
    ],
)
def test_fast_mode_refuses_what_it_cannot_train(data, kwargs, message):
    args = {"build": build(torch.float32), "mode": "fast", **kwargs}
    ens = BatchedEnsemble(args.pop("build"), SEEDS, device="cpu", **args)
    with pytest.raises(ConfigError, match=message):
        ens.fit(data[0].float(), data[1], epochs=1, batch_size=BATCH)
