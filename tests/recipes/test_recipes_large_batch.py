"""The large-batch reproduction (Keskar et al. 2017): F1 on MNIST at a small and a large batch,
the sharpness of both minima.

Fast tests: the defaults are the paper's (F1, Adam, 256 against 10% of the data, 5 seeds,
eps 1e-3 and 5e-4, a 100-d subspace, 10 L-BFGS-B iterations, batch norm by batch statistics,
training until the training loss ceases to improve), bad settings are refused (ConfigError;
exit 2 from the CLI), a quick run trains both regimes for each seed as parts, evaluates every
seed's models with batch statistics and measures the first seed's in a third part per seed
with both batch-norm statistics, reports the mean and spread over the seeds and the paired
difference of the test accuracies, and resumes part by part; a run stops when its training
loss stops improving; the paired difference and the batch-statistics evaluation against
hand computations. The slow test
asserts the targets of the default configuration: the large-batch minimum at least 5x as
sharp (the other target, a lower large-batch test accuracy, is only reported: the paired
per-seed difference over 5 seeds with its standard error and paired t-test).
"""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes import get_recipe
from learnlab.recipes.large_batch.config import LargeBatchConfig, large_batch_size
from learnlab.recipes.large_batch.reproduction import TARGET_RATIO
from learnlab.recipes.runner import run_recipe, saved_config

NAME = "large-batch"


pytestmark = pytest.mark.usefixtures("isolated_one_thread")


def test_the_defaults_are_the_papers_f1_with_adam_at_256_and_ten_percent():
    config = LargeBatchConfig()
    assert (config.eps, config.subspace, config.iterations) == ([1e-3, 5e-4], 100, 10)
    assert config.search_start == "centre"
    assert large_batch_size(config) == 6000
    assert (config.batch_norm, config.patience, config.min_improvement) == ("batch", 3, 1e-3)
    # the paper's 5 runs per regime; the sharpness on the first seed only (the time limit)
    assert (config.seeds, config.measured_seeds) == (5, 1)
    assert [config.measured(seed) for seed in config.seed_list()] == [True] + [False] * 4
    # both regimes at most 20 epochs, as the authors' script; batch-statistics tests of 5,000
    assert (config.small_batch_epochs, config.large_batch_epochs) == (20, 20)
    assert (config.statistics_batch, config.interpolation_points) == (5000, 25)
    trains = get_recipe(NAME).train_configs(config)
    assert [(t.batch_size, t.seed) for t in trains] == [
        (batch, seed) for seed in range(5) for batch in (256, 6000)
    ]
    small, large = trains[:2]
    for train in (small, large):
        assert train.model == "mlp" and train.optimizer == "adam" and train.lr == 1e-3
        assert train.model_options == {
            "depth": 5,
            "width": 512,
            "norm": "batch",
            "activation": "relu",
        }
        assert train.schedule == "constant" and train.val_fraction == 0 and train.seed == 0
        assert train.init == "glorot_uniform"  # Keras 1's Dense default; PyTorch's an option
    pytorch = LargeBatchConfig(init="default")
    assert {t.init for t in get_recipe(NAME).train_configs(pytorch)} == {"default"}
    assert large_batch_size(LargeBatchConfig(limit_train=1000)) == 100


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"eps": [-1e-3]}, "eps"),
        ({"eps": [0.0]}, "eps"),
        ({"eps": []}, "eps"),
        ({"subspace": 0}, "subspace"),
        ({"iterations": 0}, "iterations"),
        ({"large_batch_fraction": 1.5}, "large_batch_fraction"),
        ({"batch_norm": "train"}, "batch_norm"),
        ({"search_start": "middle"}, "search_start"),
        ({"init": "he_normal"}, "init"),
        ({"seeds": 0}, "seeds"),
        ({"patience": 0}, "patience"),
        ({"min_improvement": -0.1}, "min_improvement"),
        ({"seeds": 2, "measured_seeds": 3}, r"measured_seeds=3: .* at most the 2 seed"),
        ({"measured_seeds": 0}, "measured_seeds: Input should be greater"),
        ({"statistics_batch": 1}, "statistics_batch: Input should be greater"),
    ],
)
def test_bad_settings_are_config_errors_naming_the_setting(data, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(LargeBatchConfig, data)


def test_a_negative_eps_from_the_cli_exits_2_without_a_traceback(tmp_path, capsys):
    argv = ["reproduce", NAME, "--quick", "--run-dir", str(tmp_path / "x")]
    assert main([*argv, "--set", "eps=[-0.001]"]) == 2
    err = capsys.readouterr().err
    assert "eps" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()
    assert main([*argv, "--set", "batch_norm=train"]) == 2
    err = capsys.readouterr().err
    assert "batch_norm" in err and "Traceback" not in err
    # more measured seeds than trained ones (the quick run trains 3)
    assert main([*argv, "--set", "measured_seeds=4"]) == 2
    err = capsys.readouterr().err
    assert "measured_seeds=4: the minima" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_quick_run_trains_each_seed_and_regime_as_parts_and_measures_them(
    tmp_path, quick_run_copy, capsys
):
    run_dir = tmp_path / "large-batch"
    summary = quick_run_copy(NAME, run_dir).summary
    seeds = [
        {
            regime: json.loads((run_dir / f"{regime}-seed-{seed}" / "summary.json").read_text())
            for regime in ("small-batch", "large-batch", "minima")
        }
        for seed in (0, 1)
    ]
    # quick: 2 seeds, the minima of the first measured, the second's only evaluated
    assert (summary["seeds"], summary["measured_seeds"]) == (2, 1)
    assert summary["large_batch_size"] == round(0.1 * 512)
    assert "sharpness_examples" not in seeds[1]["minima"]
    assert not any("sharpness" in key or "hessian" in key for key in seeds[1]["minima"])
    for short, regime in (("sb", "small-batch"), ("lb", "large-batch")):
        accuracies = [s[regime]["test_accuracy"] for s in seeds]
        assert summary[f"{short}_test_accuracy"] == pytest.approx(sum(accuracies) / 2)
        assert summary[f"{short}_test_accuracy_percent_min"] == pytest.approx(100 * min(accuracies))
        assert [s[regime]["seed"] for s in seeds] == [0, 1]
        # with batch statistics: on every seed, a different evaluation from eval mode's
        batch_stats = [s["minima"][f"{short}_test_accuracy_batchstats"] for s in seeds]
        assert summary[f"{short}_test_accuracy_batchstats"] == pytest.approx(sum(batch_stats) / 2)
        for seed in seeds:
            assert seed["minima"][f"{short}_test_loss_batchstats"] != pytest.approx(
                seed[regime]["test_loss"]
            )
        # the accuracy on the whole training set (the paper's Table 2 gives it too)
        train = [s["minima"][f"{short}_train_accuracy"] for s in seeds]
        assert all(0 < a <= 1 for a in train)
        assert summary[f"{short}_train_accuracy_percent"] == pytest.approx(50 * sum(train))
    for regime in ("sb", "lb"):
        for space in ("full", "subspace"):
            for eps in ("eps1e-03", "eps5e-04"):
                key = f"{regime}_sharpness_{space}_{eps}"
                for stats in ("batchstats", "runningstats"):
                    assert summary[f"{key}_{stats}"] >= 0
                # the configured statistics (batch) are the ones compared with the paper
                assert summary[key] == summary[f"{key}_batchstats"]
                # over the measured seed only (not a mean with a missing value)
                assert summary[key] == seeds[0]["minima"][key] == summary[f"{key}_max"]
        assert summary[f"{regime}_top_hessian_eigenvalue"] > 0
        # batch statistics and running statistics are different evaluations of the loss
        assert summary[f"{regime}_train_subset_loss_batchstats"] != pytest.approx(
            summary[f"{regime}_train_subset_loss_runningstats"]
        )
    ratio = summary["lb_sharpness_full_eps1e-03"] / summary["sb_sharpness_full_eps1e-03"]
    assert summary["sharpness_ratio_full_eps1e-03"] == pytest.approx(ratio)
    assert summary["reached_sharpness_target"] == (ratio >= TARGET_RATIO)
    _assert_paired_difference(summary, seeds)
    tables = json.loads((run_dir / "tables.json").read_text())
    assert len(tables["sharpness of the training loss (mean over the measured seeds)"]) == 2 * 4 + 1
    assert len(tables["test accuracy, large minus small batch (paired by seed)"]) == 2 + 1
    each = tables["each seed"]
    assert [row["sharpness, eps 0.001, batch stats"] == "not measured" for row in each] == [
        False,
        False,
        True,
        True,
    ]
    assert (run_dir / "report.html").is_file()
    assert len(json.loads((run_dir / "figures.json").read_text())) == 2

    # stopped while measuring the second seed: --resume keeps every trained model and the
    # first seed's measurements, and evaluates the second seed again
    shutil.rmtree(run_dir / "minima-seed-1")
    (run_dir / "summary.json").unlink()
    capsys.readouterr()
    again = run_recipe(NAME, saved_config(run_dir), resume=run_dir).summary
    err = capsys.readouterr().err
    for part in ("small-batch-seed-0", "large-batch-seed-1", "minima-seed-0"):
        assert f"{part}: finished in an earlier attempt" in err
    assert "minima-seed-1: finished" not in err
    same = [k for k in summary if "sharpness" in k or "hessian" in k or "test_accuracy" in k]
    assert {k: again[k] for k in same} == pytest.approx({k: summary[k] for k in same})


def _assert_paired_difference(summary: dict, seeds: list[dict]) -> None:
    """The per-seed LB - SB differences (percentage points), their mean, standard error and
    paired t-test, with running and with batch statistics."""
    from scipy.stats import ttest_rel

    for suffix, small_of, large_of in (
        (
            "",
            lambda s: s["small-batch"]["test_accuracy"],
            lambda s: s["large-batch"]["test_accuracy"],
        ),
        (
            "_batchstats",
            lambda s: s["minima"]["sb_test_accuracy_batchstats"],
            lambda s: s["minima"]["lb_test_accuracy_batchstats"],
        ),
    ):
        small = [100 * small_of(s) for s in seeds]
        large = [100 * large_of(s) for s in seeds]
        differences = torch.tensor(large, dtype=torch.float64) - torch.tensor(
            small, dtype=torch.float64
        )
        key = f"test_accuracy_difference_percent{suffix}"
        assert summary[key] == pytest.approx(float(differences.mean()))
        assert summary[f"{key}_se"] == pytest.approx(float(differences.std() / 2**0.5))
        assert summary[f"{key}_p_value"] == pytest.approx(ttest_rel(large, small).pvalue)
        lower = round(float(differences.mean()), 9) < 0  # paired.DECIMALS
        assert summary[f"large_batch_less_accurate{suffix}"] == lower
        clearly = lower and summary[f"{key}_p_value"] < 0.05
        assert summary[f"large_batch_clearly_less_accurate{suffix}"] == clearly


def test_each_run_stops_when_its_training_loss_ceases_to_improve(tmp_path, quick):
    # a 50% fall needed to count as an improvement: both regimes stop well before 30 epochs
    settings = {"seeds": 1, "measured_seeds": 1, "small_batch_epochs": 30}
    settings |= {"large_batch_epochs": 30}
    settings |= {"min_improvement": 0.5, "patience": 1}
    run_dir = tmp_path / "stops"
    summary = run_recipe(NAME, quick(NAME, **settings), run_dir=run_dir).summary
    for regime in ("small-batch", "large-batch"):
        part = json.loads((run_dir / f"{regime}-seed-0" / "summary.json").read_text())
        assert part["status"] == "stopped early" and part["epochs_completed"] < 30
        losses = [
            json.loads(line)["train_loss"]
            for line in (run_dir / f"{regime}-seed-0" / "metrics.jsonl").read_text().splitlines()
        ]
        # the last epoch did not fall by half below the best before it
        assert losses[-1] >= 0.5 * min(losses[:-1])
    assert summary["sb_stopped_early"] and summary["lb_stopped_early"]


# -- the paired comparison and the batch-statistics evaluation ----------------------------------


def test_the_paired_difference_has_the_standard_error_and_t_test_of_the_differences():
    from learnlab.recipes.large_batch.paired import clearly_lower, paired_difference

    small, large = [98.0, 98.2, 98.1, 98.3], [97.9, 98.0, 98.1, 98.0]
    found = paired_difference(small, large)
    differences = [-0.1, -0.2, 0.0, -0.3]
    mean = sum(differences) / 4
    std = (sum((d - mean) ** 2 for d in differences) / 3) ** 0.5
    assert found["mean"] == pytest.approx(mean) and found["std"] == pytest.approx(std)
    assert found["se"] == pytest.approx(std / 2) and found["seeds"] == 4
    # t = mean / se = -2.324 with 3 degrees of freedom: two-sided p = 0.1027 (t tables)
    assert found["p_value"] == pytest.approx(0.1027, abs=5e-4)
    assert not clearly_lower(found)  # lower on average, but within the noise
    assert clearly_lower(
        paired_difference(small, [a - 0.2 - 0.01 * i for i, a in enumerate(small)])
    )
    # the same difference on every seed: t is infinite (or 0 for none)
    assert paired_difference([1.0, 2.0], [0.5, 1.5])["p_value"] == 0.0
    assert paired_difference([1.0, 2.0], [1.0, 2.0])["p_value"] == 1.0
    assert set(paired_difference([1.0], [2.0])) == {"mean", "seeds"}  # one seed: no spread
    # equal mean accuracies are no difference, not a float residue (-5.7e-15) called "lower"
    tied = paired_difference(
        [98.07, 98.15, 98.26, 98.12, 98.20], [98.21, 98.24, 98.10, 98.15, 98.10]
    )
    assert tied["mean"] == 0 and not clearly_lower(tied)
    with pytest.raises(ValueError, match="as many"):
        paired_difference([1.0, 2.0], [1.0])


def test_the_batch_statistics_test_normalises_each_test_batch_by_its_own_statistics():
    from learnlab.recipes.large_batch.minima import test_with_batch_statistics

    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(), torch.nn.Linear(4, 2)
    ).double()
    model[1].running_mean.fill_(5.0)  # running statistics far from any batch's
    model.eval()
    x, y = torch.randn(7, 3, dtype=torch.float64), torch.tensor([0, 1, 0, 1, 1, 0, 1])
    before = {k: v.clone() for k, v in model.state_dict().items()}
    loss, accuracy = test_with_batch_statistics(model, x, y, batch=3)
    # 7 images in ceil(7 / 3) = 3 batches of 3, 2 and 2 (never a single image), each normalised
    # by its own mean and biased variance
    expected_loss, correct = 0.0, 0
    for rows in ([0, 1, 2], [3, 4], [5, 6]):
        h = model[0](x[rows])
        h = (h - h.mean(0)) / torch.sqrt(h.var(0, unbiased=False) + model[1].eps)
        logits = model[3](torch.relu(h * model[1].weight + model[1].bias)).detach()
        expected_loss += float(torch.nn.functional.cross_entropy(logits, y[rows], reduction="sum"))
        correct += int((logits.argmax(1) == y[rows]).sum())
    assert loss == pytest.approx(expected_loss / 7, rel=1e-12)
    assert accuracy == correct / 7
    # the model as it came: eval mode, running statistics untouched
    assert not model.training and not model[1].training
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    running_loss = torch.nn.functional.cross_entropy(model(x), y).detach()
    assert loss != pytest.approx(float(running_loss))


# -- the targets --------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_large_batch_minimum_is_at_least_five_times_sharper(tmp_path, data_root):
    torch.set_num_threads(2)
    run_dir = tmp_path / "large-batch"
    argv = ["reproduce", NAME, "--run-dir", str(run_dir), "--set", "progress=false"]
    argv += ["--set", f"data_root={json.dumps(str(data_root))}", "--set", "download=false"]
    assert main(argv) == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["sharpness_ratio_full_eps1e-03"] >= TARGET_RATIO, summary
    # the other target, a lower large-batch test accuracy, is reported (the paired difference
    # over 5 seeds with its standard error) but not asserted: the 2-seed runs of the earlier
    # default missed it (98.38% against 98.15%) or met it within the seed noise
    difference = summary["test_accuracy_difference_percent"]
    assert summary["large_batch_less_accurate"] == (difference < 0)
    assert summary["seeds"] == 5 and summary["test_accuracy_difference_percent_se"] > 0
