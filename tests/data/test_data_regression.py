"""The registered regression data sets: diabetes (scikit-learn's) and Friedman #1 with its
known noise."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import load_diabetes, make_friedman1

from learnlab.data import load_dataset
from learnlab.data.builtin_regression import FRIEDMAN_SEED, FRIEDMAN_TEST, FRIEDMAN_TRAIN


def _original_units(ds, y: torch.Tensor) -> np.ndarray:
    return y.double().numpy().ravel() * ds.extras["target_std"] + ds.extras["target_mean"]


def test_diabetes_is_sklearns_targets_standardised_on_train():
    ds = load_dataset("diabetes", download=False)
    assert ds.task == "regression" and ds.num_outputs == 1 and ds.input_shape == (10,)
    assert (len(ds.train), len(ds.test)) == (353, 89)
    assert ds.train.x.dtype == torch.float32 and ds.train.y.shape == (353, 1)
    assert ds.train.x.mean(0).abs().max() < 1e-5
    assert (ds.train.x.std(0, correction=0) - 1).abs().max() < 1e-4
    _, y = load_diabetes(return_X_y=True)
    both = np.concatenate([_original_units(ds, ds.train.y), _original_units(ds, ds.test.y)])
    np.testing.assert_allclose(np.sort(both), np.sort(y), atol=1e-3)  # the same 442 targets


def test_friedman1_noise_floor_is_the_noise_of_its_targets():
    ds = load_dataset("friedman1", download=False)
    assert (len(ds.train), len(ds.test)) == (FRIEDMAN_TRAIN, FRIEDMAN_TEST)
    # the same seed without noise draws the same inputs: the noiseless function f(x)
    _, f = make_friedman1(FRIEDMAN_TRAIN + FRIEDMAN_TEST, noise=0.0, random_state=FRIEDMAN_SEED)
    f_test = (f[FRIEDMAN_TRAIN:] - ds.extras["target_mean"]) / ds.extras["target_std"]
    best = float(np.mean((ds.test.y.double().numpy().ravel() - f_test) ** 2))
    # sigma^2 in stored units; 1,000 noise draws give the MSE to about 4.5% (sqrt(2/1000))
    assert best == pytest.approx(ds.extras["noise_mse"], rel=0.15)
    assert 0.02 < ds.extras["noise_mse"] < 0.06  # sigma = 1 against Var(y) ~ 24
