"""The Trainer: event order, cancel exceptions, history, L-BFGS path, exact resume in-process."""

from __future__ import annotations

import pytest
import torch

from learnlab.data.loader import TensorLoader
from learnlab.io.errors import TrainingDiverged
from learnlab.objectives.supervised import CrossEntropy, MeanSquaredError
from learnlab.train.callbacks import EarlyStopping, GradientClipping, NanGuard
from learnlab.train.events import EVENTS, Callback, CancelBatch, CancelEpoch, CancelFit
from learnlab.train.trainer import Trainer


def toy_problem(seed: int = 0, n: int = 96):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 5, generator=g)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).long()
    return x, y


def make_trainer(callbacks=(), lr=0.1, seed=0, dropout=0.0):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Linear(5, 16), torch.nn.ReLU(), torch.nn.Dropout(dropout), torch.nn.Linear(16, 2)
    )
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=20, gamma=0.5)
    return Trainer(model, CrossEntropy(), opt, schedule=sched, callbacks=callbacks)


class Recorder(Callback):
    def __init__(self):
        self.seen = []

    def __getattr__(self, name):
        if name in EVENTS:
            return lambda trainer: self.seen.append(name)
        raise AttributeError(name)


def test_events_fire_in_the_documented_order():
    rec = Recorder()
    x, y = toy_problem(n=32)
    make_trainer([rec]).fit(TensorLoader(x, y, batch_size=16, seed=0), epochs=1)
    per_batch = ["before_batch", "after_loss", "after_backward", "after_step", "after_batch"]
    assert rec.seen == [
        "before_fit",
        "before_epoch",
        *per_batch,
        *per_batch,
        "after_epoch",
        "after_fit",
    ]


def test_history_has_train_and_val_metrics_and_training_learns():
    x, y = toy_problem()
    trainer = make_trainer()
    loader = TensorLoader(x, y, batch_size=16, seed=0)
    history = trainer.fit(
        loader, epochs=8, val_loader=TensorLoader(x, y, batch_size=50, shuffle=False)
    )
    assert [h["epoch"] for h in history] == list(range(1, 9))
    assert {"train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr"} <= set(history[0])
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert history[-1]["val_accuracy"] > 0.85
    # the epoch's train loss is the mean of the batch losses (all batches have 16 examples)
    assert trainer.step == 8 * 6
    assert history[-1]["lr"] == pytest.approx(0.1 * 0.5 ** (48 // 20))


def test_cancel_batch_skips_the_step():
    class SkipAll(Callback):
        def before_batch(self, trainer):
            raise CancelBatch

    x, y = toy_problem(n=32)
    trainer = make_trainer([SkipAll()])
    before = [p.clone() for p in trainer.model.parameters()]
    trainer.fit(TensorLoader(x, y, batch_size=16, seed=0), epochs=2)
    assert trainer.step == 0 and trainer.epoch == 2
    assert all(torch.equal(a, b) for a, b in zip(before, trainer.model.parameters(), strict=True))


def test_cancel_epoch_and_cancel_fit():
    class StopEpochAfterOne(Callback):
        def after_batch(self, trainer):
            raise CancelEpoch

    class StopFit(Callback):
        def after_epoch(self, trainer):
            if trainer.epoch == 2:
                raise CancelFit

    x, y = toy_problem()
    trainer = make_trainer([StopEpochAfterOne(), StopFit()])
    trainer.fit(TensorLoader(x, y, batch_size=16, seed=0), epochs=10)
    assert trainer.epoch == 2 and trainer.step == 2


def test_nan_guard_stops_a_diverging_run():
    x, y = toy_problem()
    trainer = make_trainer([NanGuard()], lr=1e6)
    with pytest.raises(TrainingDiverged, match="learning rate"):
        trainer.fit(TensorLoader(x, y, batch_size=16, seed=0), epochs=20)
    assert isinstance(trainer.error, TrainingDiverged)


def test_gradient_clipping_bounds_the_global_norm():
    class NormAfterClip(Callback):
        order = 30  # after clipping (20)

        def __init__(self):
            self.norms = []

        def after_backward(self, trainer):
            grads = [p.grad for p in trainer.model.parameters()]
            self.norms.append(
                float(torch.linalg.vector_norm(torch.cat([g.flatten() for g in grads])))
            )

    probe = NormAfterClip()
    x, y = toy_problem()
    make_trainer([GradientClipping(0.01), probe]).fit(TensorLoader(x, y, batch_size=16, seed=0), 1)
    assert max(probe.norms) <= 0.01 * (1 + 1e-5)
    assert max(probe.norms) == pytest.approx(0.01, rel=1e-4)  # the raw norms are larger


def test_early_stopping_stops_when_val_loss_stalls():
    x, y = toy_problem()
    stopper = EarlyStopping("val_loss", patience=2)
    trainer = make_trainer([stopper], lr=0.0 + 1e-12)  # no progress at all
    trainer.fit(
        TensorLoader(x, y, batch_size=16, seed=0),
        epochs=50,
        val_loader=TensorLoader(x, y, batch_size=96, shuffle=False),
    )
    assert trainer.epoch == 3 and stopper.stopped_epoch == 3


def test_lbfgs_uses_a_closure_and_fits_least_squares():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 3, generator=g, dtype=torch.float64)
    w_true = torch.tensor([[1.0], [-2.0], [0.5]], dtype=torch.float64)
    y = x @ w_true
    model = torch.nn.Linear(3, 1, bias=False).double()
    opt = torch.optim.LBFGS(
        model.parameters(),
        lr=1,
        max_iter=50,
        line_search_fn="strong_wolfe",
        tolerance_grad=1e-12,
        tolerance_change=1e-15,
    )
    Trainer(model, MeanSquaredError(), opt).fit(TensorLoader(x, y, batch_size=64, seed=0), 2)
    torch.testing.assert_close(model.weight.T, w_true, atol=1e-8, rtol=0)


@pytest.mark.parametrize("stop_after", [1, 7, 12])  # mid-epoch, mid-epoch, epoch boundary
def test_state_dict_resume_is_bit_identical(stop_after):
    """Stop after k batches, rebuild everything, load the state: same weights as no stop."""
    x, y = toy_problem()

    def loader():
        return TensorLoader(x, y, batch_size=16, seed=3)

    full = make_trainer(dropout=0.3, seed=1)
    full.fit(loader(), epochs=3)

    class StopAt(Callback):
        def after_batch(self, trainer):
            if trainer.step == stop_after:
                raise CancelFit

    first = make_trainer([StopAt()], dropout=0.3, seed=1)
    first_loader = loader()
    first.fit(first_loader, epochs=3)
    state = first.state_dict()
    torch.rand(5)  # disturb the global RNG: resume must restore it

    second = make_trainer(dropout=0.3, seed=99)
    second_loader = loader()
    second.load_state_dict(state, train_loader=second_loader)
    second.fit(second_loader, epochs=3)
    for a, b in zip(
        full.model.state_dict().values(), second.model.state_dict().values(), strict=True
    ):
        assert torch.equal(a, b)

    def without_time(history):
        return [{k: v for k, v in h.items() if k != "seconds"} for h in history]

    assert without_time(full.history) == without_time(second.history)


def test_loss_curve_keeps_every_step_loss_and_resumes():
    from learnlab.train.callbacks import LossCurve

    class Spy(Callback):
        def __init__(self):
            self.losses = []

        def after_step(self, trainer):
            self.losses.append(float(trainer.loss.detach()))

    curve, spy = LossCurve(), Spy()
    x, y = toy_problem()
    make_trainer([curve, spy]).fit(TensorLoader(x, y, batch_size=16, seed=0), epochs=2)
    assert curve.losses == spy.losses and len(curve.losses) == 12
    copy = LossCurve()
    copy.load_state_dict(curve.state_dict())
    assert copy.losses == curve.losses


def test_step_loss_figure_draws_raw_and_smoothed_curves():
    from learnlab.report.plots import figure_to_png_bytes, step_loss_figure

    fig = step_loss_figure([2.0 / (1 + i) for i in range(300)], steps_per_epoch=100)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 2 and lines[0].get_xdata()[-1] == 3.0
    assert figure_to_png_bytes(fig).startswith(b"\x89PNG")


def test_lean_path_and_full_path_with_every_callback_give_identical_weights(tmp_path):
    import io

    from rich.console import Console

    from learnlab.train.callbacks import Checkpointer, LossCurve, MetricsLog, ProgressBar

    x, y = toy_problem()

    def run(callbacks):
        trainer = make_trainer(callbacks, dropout=0.2, seed=4)
        trainer.fit(
            TensorLoader(x, y, batch_size=16, seed=2),
            epochs=3,
            val_loader=TensorLoader(x, y, batch_size=32, shuffle=False),
        )
        return trainer

    lean = run([])
    full = run(
        [
            NanGuard(),
            MetricsLog(tmp_path / "metrics.jsonl"),
            LossCurve(),
            GradientClipping(1e9),
            EarlyStopping("val_loss", patience=100),
            Checkpointer(tmp_path / "ckpt.safetensors", every_batches=2),
            ProgressBar(Console(file=io.StringIO())),
        ]
    )
    for a, b in zip(
        lean.model.state_dict().values(), full.model.state_dict().values(), strict=True
    ):
        assert torch.equal(a, b)
    assert [h["train_loss"] for h in lean.history] == [h["train_loss"] for h in full.history]


class Misspelt(Callback):
    def after_batch(self, trainer) -> None:
        pass

    def after_bacth(self, trainer) -> None:  # never an event: the Trainer must refuse it
        pass


class KerasStyle(Callback):
    def on_epoch_end(self, trainer) -> None:
        pass


class WithHelpers(Callback):
    """Helpers that do not look like events are fine, and so are private ones."""

    def after_epoch(self, trainer) -> None:
        self.summarize()

    def summarize(self) -> None:
        pass

    def _after_epoch_note(self) -> None:
        pass


def test_a_method_named_like_an_event_but_not_one_is_refused_when_the_trainer_is_built():
    with pytest.raises(TypeError) as caught:
        make_trainer(callbacks=[Misspelt()])
    message = str(caught.value)
    assert "Misspelt defines after_bacth()" in message and "Did you mean after_batch?" in message
    assert ", ".join(EVENTS) in message  # names every event
    with pytest.raises(TypeError, match=r"KerasStyle defines on_epoch_end\(\)"):
        make_trainer(callbacks=[KerasStyle()])
    make_trainer(callbacks=[WithHelpers()])  # no error
