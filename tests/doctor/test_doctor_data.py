"""The doctor's data checks: train/test leakage found by hashing (checked against a
brute-force comparison), none on clean data, NaN/inf, label conflicts, imbalance, scale."""

from __future__ import annotations

import pytest
import torch

from learnlab.config import TrainConfig
from learnlab.data.dataset import Split
from learnlab.doctor.data_checks import check_data, find_leaks
from learnlab.pipeline import prepare_data


@pytest.fixture(scope="module")
def digits():
    data = prepare_data(TrainConfig(dataset="digits", model="mlp"))
    return data.train, data.test


def _brute_force_duplicates(train: Split, test: Split) -> int:
    a = train.x.reshape(len(train), -1)
    b = test.x.reshape(len(test), -1)
    same_x = (b[:, None, :] == a[None, :, :]).all(dim=2)
    same_y = test.y[:, None] == train.y[None, :]
    return int((same_x & same_y).any(dim=1).sum())


def test_clean_digits_pass_with_no_leak(digits):
    train, test = digits
    result = check_data(train, test)
    assert result.status == "pass", result.summary
    assert result.values["train_test_duplicates"] == 0 == _brute_force_duplicates(train, test)
    assert result.values["non_finite"] == {"train": 0, "test": 0}


def test_training_examples_copied_into_test_are_counted(digits):
    train, test = digits
    copied = torch.arange(0, 400, 20)  # 20 training examples
    leaky = Split(torch.cat([test.x, train.x[copied]]), torch.cat([test.y, train.y[copied]]))
    result = check_data(train, leaky)
    assert result.status == "fail"
    assert result.values["train_test_duplicates"] == 20 == _brute_force_duplicates(train, leaky)
    assert "leakage: 20 test examples" in result.summary
    rows = result.tables["Test examples found in the training set"]
    assert len(rows) == 10  # the first ten are shown
    for row in rows:
        j, i = row["test index"], row["train index"]
        assert torch.equal(leaky.x[j], train.x[i]) and leaky.y[j] == train.y[i]
    assert any("Remove the duplicated" in a for a in result.advice)


def test_one_duplicate_in_a_large_test_set_is_a_warning(digits):
    train, test = digits
    big = Split(torch.cat([test.x] * 3 + [train.x[:1]]), torch.cat([test.y] * 3 + [train.y[:1]]))
    result = check_data(train, big)
    assert result.values["train_test_duplicates"] == 1
    assert result.status == "warn"  # 1 of 1,081 is under 0.1%


def test_same_input_with_another_label_is_a_conflict_not_a_duplicate(digits):
    train, test = digits
    x = torch.cat([test.x, train.x[:3]])
    y = torch.cat([test.y, (train.y[:3] + 1) % 10])
    result = check_data(train, Split(x, y))
    assert result.values["train_test_duplicates"] == 0
    assert result.values["train_test_label_conflicts"] == 3
    assert result.status == "warn"


def test_nan_inputs_fail(digits):
    train, test = digits
    x = train.x.clone()
    x[5, 0, 3, 3] = float("nan")
    x[7, 0, 1, 1] = float("inf")
    result = check_data(Split(x, train.y), test)
    assert result.status == "fail"
    assert result.values["non_finite"]["train"] == 2


def test_imbalance_and_unnormalised_inputs_warn():
    g = torch.Generator().manual_seed(0)
    y = torch.cat([torch.zeros(200, dtype=torch.long), torch.ones(10, dtype=torch.long)])
    train = Split(255 * torch.rand(210, 4, generator=g), y)
    test = Split(255 * torch.rand(50, 4, generator=g), torch.randint(0, 2, (50,), generator=g))
    result = check_data(train, test)
    assert result.status == "warn"
    assert "imbalanced: 10 vs 200" in result.summary
    assert "not standardised" in result.summary
    assert result.values["majority_class_share"] == pytest.approx(200 / 210)


def test_find_leaks_reports_pairs_and_duplicates_within_train():
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0], [1.0, 2.0], [5.0, 6.0]])
    y = torch.tensor([0, 1, 0, 2])
    test = Split(torch.tensor([[3.0, 4.0], [9.0, 9.0], [5.0, 6.0]]), torch.tensor([1, 0, 0]))
    leaks = find_leaks(Split(x, y), test)
    assert leaks["duplicates"] == [(0, 1)]
    assert leaks["conflicts"] == [(2, 3)]
    assert leaks["duplicates_within_train"] == 1
