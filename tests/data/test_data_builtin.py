"""Every registered data set, loaded from the shared data folder (or generated offline)."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from learnlab.data import dataset_names, get_dataset_spec, load_dataset
from learnlab.data.dataset import Dataset
from learnlab.io.errors import ConfigError


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    # empty, not unset: no data folder, not even the one `make` recorded in the venv
    monkeypatch.setenv("LEARNLAB_DATA", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def load(name, data_root):
    return load_dataset(name, root=data_root, download=False)


def test_registry_names_and_unknown_name():
    assert set(dataset_names()) >= {
        "mnist",
        "fashion-mnist",
        "usps",
        "tiny-shakespeare",
        "digits",
        "mnist1d",
    }
    assert get_dataset_spec("Fashion_MNIST").name == "fashion-mnist"
    with pytest.raises(ConfigError, match=r"(?s)'mnsit'.*Did you mean 'mnist'.*tiny-shakespeare"):
        get_dataset_spec("mnsit")


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist", "usps", "tiny-shakespeare"])
def test_spec_files_match_the_shared_checksums(name, data_root):
    sums = dict(
        reversed(line.split("  ", 1))
        for line in (data_root / "SHA256SUMS").read_text().splitlines()
        if line.strip()
    )
    for f in get_dataset_spec(name).files:
        assert sums[f.path] == f.sha256
        assert (data_root / f.path).stat().st_size == f.size


def check_image_set(ds: Dataset, n_train: int, n_test: int, shape, dtype):
    assert ds.train.x.shape == (n_train, *shape) and ds.test.x.shape == (n_test, *shape)
    assert ds.train.x.dtype == dtype and ds.test.x.dtype == dtype
    assert ds.train.y.dtype == torch.int64 and ds.input_shape == shape
    assert ds.task == "classification" and ds.num_classes == 10 and len(ds.class_names) == 10
    for split in (ds.train, ds.test):
        assert torch.equal(split.y.unique(), torch.arange(10))
    v = ds.train.x.double() / ds.scale
    assert v.min() >= 0 and v.max() <= 1
    assert ds.mean == pytest.approx(v.mean().item(), rel=1e-9)
    assert ds.std == pytest.approx(v.std(correction=0).item(), rel=1e-9)


def test_mnist(data_root):
    ds = load("mnist", data_root)
    check_image_set(ds, 60000, 10000, (1, 28, 28), torch.uint8)
    assert ds.scale == 255.0 and ds.class_names[7] == "7"
    assert ds.mean == pytest.approx(0.1307, abs=1e-4) and ds.std == pytest.approx(0.3081, abs=1e-4)
    assert ds.test.y[:5].tolist() == [7, 2, 1, 0, 4]


def test_fashion_mnist(data_root):
    ds = load("fashion-mnist", data_root)
    check_image_set(ds, 60000, 10000, (1, 28, 28), torch.uint8)
    assert ds.class_names[0] == "T-shirt/top" and ds.class_names[9] == "Ankle boot"
    assert ds.train.y[:3].tolist() == [9, 0, 0]  # ankle boot, T-shirt, T-shirt


def test_usps(data_root):
    ds = load("usps", data_root)
    check_image_set(ds, 7291, 2007, (1, 16, 16), torch.float32)
    assert ds.scale == 1.0
    counts = torch.bincount(ds.train.y).tolist()
    assert counts == [1194, 1005, 731, 658, 652, 556, 664, 645, 542, 644]  # from the README


def test_tiny_shakespeare(data_root):
    ds = load("tiny-shakespeare", data_root)
    vocab = ds.extras["vocab"]
    assert ds.task == "language" and ds.input_shape == () and ds.num_classes == len(vocab) == 65
    assert vocab == sorted(vocab)
    text = "".join(vocab[i] for i in ds.train.x[:14].tolist())
    assert text == "First Citizen:"
    assert torch.equal(ds.train.x[1:], ds.train.y[:-1])  # y is x shifted by one
    total = (data_root / "tiny-shakespeare" / "input.txt").read_text()
    assert len(ds.train) + len(ds.test) + 2 == len(total)
    assert len(ds.train) + 1 == int(0.9 * len(total))
    decoded_test = "".join(vocab[i] for i in ds.test.x.tolist()) + vocab[ds.test.y[-1]]
    assert decoded_test == total[int(0.9 * len(total)) :]


def test_digits_is_a_fixed_stratified_split():
    ds = load_dataset("digits", download=False)
    check_image_set(ds, 1437, 360, (1, 8, 8), torch.uint8)
    assert ds.scale == 16.0 and int(ds.train.x.max()) == 16
    again = load_dataset("digits", download=False)
    assert torch.equal(ds.test.x, again.test.x) and torch.equal(ds.test.y, again.test.y)
    test_share = torch.bincount(ds.test.y) / torch.bincount(torch.cat([ds.train.y, ds.test.y]))
    assert (test_share - 0.2).abs().max() < 0.01  # stratified: every class ~20% in test


def test_mnist1d_and_global_rng_untouched():
    random.seed(123)
    np.random.seed(123)
    expected = (random.random(), np.random.rand())
    random.seed(123)
    np.random.seed(123)
    ds = load_dataset("mnist1d", download=False)
    assert (random.random(), np.random.rand()) == expected
    assert ds.train.x.shape == (4000, 1, 40) and ds.test.x.shape == (1000, 1, 40)
    assert ds.train.x.dtype == torch.float32 and ds.train.y.dtype == torch.int64
    assert ds.input_shape == (1, 40) and ds.num_classes == 10
    v = ds.train.x.double()
    assert ds.mean == pytest.approx(v.mean().item())
    assert ds.std == pytest.approx(v.std(correction=0).item())
    ds.train.x[0] = 99.0  # callers own their tensors: a second load is unaffected
    assert load_dataset("mnist1d").train.x[0].max() < 99.0


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist", "usps", "tiny-shakespeare", "digits",
                                  "mnist1d", "diabetes", "friedman1"])  # fmt: skip
def test_spec_contract(name):
    spec = get_dataset_spec(name)
    assert spec.name == name and spec.description and spec.citation
    for f in spec.files:
        assert f.path.startswith(name + "/")
        assert len(f.sha256) == 64 and f.size > 0
        assert f.urls or f.instructions
