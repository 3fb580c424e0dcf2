"""BatchedEnsemble against its oracle: K sequential learnlab Trainer runs with the same seeds."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from learnlab.data import TensorLoader, load_dataset, normalize
from learnlab.io.errors import ConfigError
from learnlab.models import build_model
from learnlab.objectives.supervised import CrossEntropy
from learnlab.scale.ensemble import BatchedEnsemble, MaskCallback
from learnlab.train.optimizers import build_optimizer
from learnlab.train.trainer import Trainer

SEEDS = [3, 1, 4, 15]
LRS = [0.2, 0.5, 0.1, 0.3]
WDS = [0.0, 1e-3, 5e-2, 1e-2]
BATCH = 100


def build(norm: str = "none", dtype: torch.dtype = torch.float32):
    return lambda: build_model("mlp", (1, 40), 10, depth=2, width=32, norm=norm).to(dtype)


@pytest.fixture(scope="module")
def data():
    ds = load_dataset("mnist1d")
    x = normalize(ds.train.x[:456], scale=ds.scale, mean=ds.mean, std=ds.std)
    return x, ds.train.y[:456]  # 456 = 4 * 100 + 56: every epoch ends with a partial batch


def torch_optimizer(name, params, lr, wd, momentum):
    if name in ("sgd", "momentum"):
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=wd)
    cls = torch.optim.Adam if name == "adam" else torch.optim.AdamW
    return cls(params, lr=lr, weight_decay=wd)


def sequential(data, name, *, lrs, momenta, epochs, masks=None, norm="none", drop_last=False):
    """The oracle: what learnlab does for one model, once per member."""
    x, y = data
    models, histories = [], []
    for k, seed in enumerate(SEEDS):
        torch.manual_seed(seed)
        model = build(norm, x.dtype)()
        opt = torch_optimizer(name, model.parameters(), lrs[k], WDS[k], momenta[k])
        callbacks = [MaskCallback(masks[k])] if masks is not None else []
        loader = TensorLoader(x, y, batch_size=BATCH, seed=seed, drop_last=drop_last)
        trainer = Trainer(model, CrossEntropy(), opt, callbacks=callbacks)
        histories.append(trainer.fit(loader, epochs))
        models.append(model)
    return models, histories


def max_param_diff(ensemble, models):
    worst = 0.0
    for k, model in enumerate(models):
        for name, p in model.named_parameters():
            worst = max(worst, (ensemble.params_[name][k] - p).abs().max().item())
    return worst


def hyperparameters(name):
    momenta = [0.9, 0.0, 0.5, 0.95] if name == "momentum" else [0.0] * 4
    lrs = LRS if name in ("sgd", "momentum") else [lr / 50 for lr in LRS]
    return lrs, momenta


def assert_history_matches(history, histories, key="train_loss"):
    for e, record in enumerate(history):
        expected = torch.tensor([h[e][key] for h in histories], dtype=torch.float64)
        assert torch.allclose(record[key].double(), expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize(
    ("name", "drop_last"),
    [("sgd", False), ("sgd", True), ("momentum", False), ("adam", False), ("adamw", False)],
)
def test_matches_sequential_trainer_runs(data, name, drop_last):
    lrs, momenta = hyperparameters(name)
    epochs = 3
    models, histories = sequential(
        data, name, lrs=lrs, momenta=momenta, epochs=epochs, drop_last=drop_last
    )
    ens = BatchedEnsemble(
        build(), SEEDS, optimizer=name, lr=lrs, momentum=momenta, weight_decay=WDS, device="cpu"
    )
    history = ens.fit(*data, epochs=epochs, batch_size=BATCH, drop_last=drop_last).history_
    assert max_param_diff(ens, models) < 1e-5
    # equality is not trivial: the members moved far from their initialisation
    initial = BatchedEnsemble(build(), SEEDS, device="cpu")
    initial.fit(*data, epochs=0, batch_size=BATCH)
    assert max_param_diff(initial, models) > 0.05
    assert len(history) == epochs
    assert_history_matches(history, histories, "train_loss")
    assert_history_matches(history, histories, "train_accuracy")
    assert history[-1]["train_loss"].unique().numel() == 4
    assert (history[-1]["train_loss"] < history[0]["train_loss"]).all()


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam", "adamw"])
def test_plain_mlp_members_are_bit_identical_to_learnlab_runs(data, name):
    """With build_optimizer's optimizers (fused kernels, what `learnlab train` uses), the plain
    MLP members equal the sequential Trainer runs exactly, and so do their accuracies."""
    lrs, momenta = hyperparameters(name)
    x, y = data
    ens = BatchedEnsemble(
        build(), SEEDS, optimizer=name, lr=lrs, momentum=momenta, weight_decay=WDS, device="cpu"
    )
    history = ens.fit(x, y, epochs=3, batch_size=BATCH).history_
    for k, seed in enumerate(SEEDS):
        torch.manual_seed(seed)
        model = build()()
        opt = build_optimizer(
            name, model.parameters(), lr=lrs[k], weight_decay=WDS[k], momentum=momenta[k]
        )
        loader = TensorLoader(x, y, batch_size=BATCH, seed=seed)
        runs = Trainer(model, CrossEntropy(), opt).fit(loader, 3)
        for param_name, p in model.named_parameters():
            assert torch.equal(ens.params_[param_name][k], p.detach()), (k, param_name)
        assert [float(h["train_accuracy"][k]) for h in history] == [
            r["train_accuracy"] for r in runs
        ]


@pytest.mark.parametrize("name", ["momentum", "adamw"])
def test_float64_members_equal_sequential_runs_to_rounding(data, name):
    """In float64 the only differences are rounding: 1e-12, far below float32's 1e-5."""
    lrs, momenta = hyperparameters(name)
    data64 = (data[0].double(), data[1])
    models, _ = sequential(data64, name, lrs=lrs, momenta=momenta, epochs=2)
    ens = BatchedEnsemble(
        build(dtype=torch.float64),
        SEEDS,
        optimizer=name,
        lr=torch.tensor(lrs, dtype=torch.float64),  # tensors are accepted too
        momentum=momenta,
        weight_decay=WDS,
        device="cpu",
    )
    ens.fit(*data64, epochs=2, batch_size=BATCH)
    assert ens.params_["out.weight"].dtype == torch.float64
    assert max_param_diff(ens, models) < 1e-12


def test_masked_members_match_trainer_with_mask_callback(data):
    g = torch.Generator().manual_seed(0)
    shapes = {"fc1.weight": (32, 40), "fc2.weight": (32, 32), "out.bias": (10,)}
    masks = [
        {n: (torch.rand(s, generator=g) < 0.5).float() for n, s in shapes.items() if k != 2}
        for k in range(4)
    ]
    momenta = [0.9] * 4
    models, histories = sequential(
        data, "momentum", lrs=LRS, momenta=momenta, epochs=2, masks=masks
    )
    ens = BatchedEnsemble(
        build(),
        SEEDS,
        optimizer="momentum",
        lr=LRS,
        momentum=momenta,
        weight_decay=WDS,
        masks=masks,
        device="cpu",
    )
    history = ens.fit(*data, epochs=2, batch_size=BATCH).history_
    assert max_param_diff(ens, models) < 1e-5
    for k, mask in enumerate(masks):
        for name, m in mask.items():
            assert (ens.params_[name][k][m == 0] == 0).all()  # exactly zero
            assert (ens.params_[name][k][m == 1] != 0).all()
            assert (dict(models[k].named_parameters())[name][m == 0] == 0).all()
    assert (ens.params_["fc1.weight"][2] != 0).all()  # member 2 has no mask
    assert_history_matches(history, histories)


def test_batch_norm_members_keep_their_own_running_statistics(data):
    models, histories = sequential(data, "sgd", lrs=LRS, momenta=[0.0] * 4, epochs=1, norm="batch")
    ens = BatchedEnsemble(build("batch"), SEEDS, lr=LRS, weight_decay=WDS, device="cpu")
    history = ens.fit(*data, epochs=1, batch_size=BATCH).history_
    assert max_param_diff(ens, models) < 1e-5
    assert_history_matches(history, histories)
    x = data[0][:64]
    logits = ens.predict_logits(x)  # eval mode: the running statistics
    for k, model in enumerate(models):
        model.eval()
        stats = ens.buffers_["norm1.running_var"][k]
        assert (stats - model.norm1.running_var).abs().max() < 1e-5
        assert (logits[k] - model(x)).abs().max() < 1e-4
    assert ens.member(1).norm2.num_batches_tracked == 5


def test_plain_mlp_fast_path_equals_vmap(data):
    """A plain MLP takes batched_mlp's matrix multiplies; wrapped, the same MLP takes vmap.

    In float64, so that the two orders of summation differ by rounding only (Adam amplifies
    float32 rounding where its second moment is tiny)."""
    options = {"optimizer": "adamw", "lr": 1e-2, "weight_decay": WDS, "device": "cpu"}
    data64 = (data[0].double(), data[1])
    ens = BatchedEnsemble(build(dtype=torch.float64), SEEDS, **options)
    wrapped = BatchedEnsemble(
        lambda: torch.nn.Sequential(build(dtype=torch.float64)()), SEEDS, **options
    )
    ens.fit(*data64, epochs=2, batch_size=BATCH)
    wrapped.fit(*data64, epochs=2, batch_size=BATCH)
    assert ens._plan is not None and wrapped._plan is None
    for name, p in ens.params_.items():
        assert torch.allclose(p, wrapped.params_[f"0.{name}"], atol=1e-12, rtol=0)
    x = data64[0][:50]
    assert torch.allclose(ens.predict_logits(x), wrapped.predict_logits(x), atol=1e-12, rtol=0)
    x = data[0][:50]
    # relu works in place only on a Linear's output, never on the caller's input
    relu_first = BatchedEnsemble(
        lambda: torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(40, 10)),
        [0, 1],
        device="cpu",
    )
    relu_first.fit(*data, epochs=0, batch_size=BATCH)
    assert relu_first._plan is not None
    before = x.clone()
    relu_first.predict_logits(x)
    assert torch.equal(x, before) and (x < 0).any()


def test_member_predict_and_evaluate(data):
    x, y = data
    ens = BatchedEnsemble(build(), range(4), optimizer="adam", lr=1e-3, device="cpu")
    ens.fit(x, y, epochs=1, batch_size=BATCH)
    logits = ens.predict_logits(x, batch_size=100)  # several chunks
    assert logits.shape == (4, len(x), 10)
    for k in range(4):
        model = ens.member(k)
        assert torch.allclose(model(x), logits[k], atol=1e-6, rtol=0)
    result = ens.evaluate(x, y, batch_size=128)
    for k in range(4):
        direct = ens.member(k)(x)
        assert result["loss"][k] == pytest.approx(F.cross_entropy(direct, y).item(), abs=1e-5)
        accuracy = (direct.argmax(1) == y).float().mean().item()
        assert result["accuracy"][k] == pytest.approx(accuracy, abs=1e-6)
    assert result["loss"].unique().numel() == 4


def test_fit_leaves_the_global_generator_alone(data):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    BatchedEnsemble(build(), [0, 1], device="cpu").fit(*data, epochs=0, batch_size=BATCH)
    assert torch.equal(torch.rand(3), expected)


class Noisy(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(40, 10)

    def forward(self, x):
        return self.fc(x.flatten(1)) + torch.randn(len(x), 10)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seeds": []}, "seeds must be a non-empty sequence"),
        ({"lr": [0.1, 0.2, 0.3]}, "lr has 3 values but the ensemble has K=4"),
        ({"weight_decay": [0.1]}, "weight_decay has 1 values but the ensemble has K=4"),
        ({"optimizer": "adan"}, "unknown optimizer 'adan'"),
        ({"lr": -1.0}, "every lr must be a number > 0"),
        ({"momentum": 0.9}, "use optimizer='momentum'"),
        ({"masks": [{}]}, "masks must be None or a sequence of K=4"),
        ({"masks": [{"fc9.weight": torch.ones(1)}] * 4}, "does not have"),
        ({"masks": [{"out.bias": torch.full((10,), 0.5)}] * 4}, "only 0 and 1"),
        ({"build": lambda: build_model("mlp", (1, 40), 10, dropout=0.1)}, "dropout"),
        ({"build": Noisy}, "random numbers in its forward pass"),
    ],
)
def test_bad_input_raises_config_error(data, kwargs, message):
    args = {"build": build(), "seeds": SEEDS, **kwargs}
    ens = BatchedEnsemble(args.pop("build"), args.pop("seeds"), device="cpu", **args)
    with pytest.raises(ConfigError, match=message):
        ens.fit(*data, epochs=1, batch_size=BATCH)


def test_unfitted_ensemble_says_to_fit_first():
    with pytest.raises(ConfigError, match="call fit"):
        BatchedEnsemble(build(), SEEDS).member(0)
