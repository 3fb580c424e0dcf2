"""Iterative magnitude pruning with its controls: Frankle & Carbin (ICLR 2019), "The lottery
ticket hypothesis: finding sparse, trainable neural networks".

For each seed s: draw theta_0 (the seed's initialisation), then for rounds r = 0, 1, ..., R:

    ticket           mask m_r, weights reset to theta_0 (or, with late rewinding, to theta_k,
                     the dense network's weights after k iterations), trained with early
                     stopping; m_{r+1} = magnitude pruning of its final weights (per layer
                     `rate` of the remaining weights, `output_rate` for the output layer)
    random reinit    mask m_r, weights freshly drawn from the initialisation's distribution
                     (the paper's "randomly reinitialized" control: the structure without the
                     initial values)
    random pruning   a random mask with m_r's count per layer, weights theta_0 (theta_k): the
                     initial values without the structure that magnitude pruning chose

Round 0 is the dense network (m_0 keeps everything; the controls coincide with it and are
not trained). The ticket trains at every round (the next mask comes from it); the controls
train at every round or only at `control_rounds` (`control_rounds_at` picks the rounds
closest to given levels of Pm), which saves their time where nothing reads them. Each round
trains all of its members, seeds x controls, as one
`ValidatedEnsemble` (a BatchedEnsemble with masks); seed s sets the batch order of its three
members, so they see the same batches. Every member reports the iteration of its minimum
validation loss and the test accuracy there (`learnlab.analysis.validated_ensemble`).

Example:
    >>> sweep = iterative_magnitude_pruning(lambda: lenet_300_100(), data, seeds=[0, 1],
    ...     rounds=2, iterations=200, eval_every=50)  # doctest: +SKIP
    >>> [round(r.remaining, 3) for r in sweep.rounds]  # doctest: +SKIP
    [1.0, 0.8, 0.641]
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from learnlab.analysis.pruning import (
    Masks,
    check_fraction,
    layer_rates,
    magnitude_masks,
    random_masks,
    remaining_after,
    remaining_fraction,
)
from learnlab.io.errors import ConfigError

CONTROLS = ("ticket", "random reinit", "random pruning")
# the streams of one seed's random draws besides theta_0 (mixed with the seed and the round)
REINIT_STREAM, RANDOM_MASK_STREAM = 1, 2


def lenet_300_100(init: str = "glorot_normal") -> nn.Sequential:
    """LeNet-300-100 (LeCun et al. 1998) as in Frankle & Carbin: 784-300-100-10, ReLU, Glorot
    normal weights and zero biases, drawn from torch's global generator."""
    from learnlab.train.init import initialize

    model = nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 300),
        nn.ReLU(),
        nn.Linear(300, 100),
        nn.ReLU(),
        nn.Linear(100, 10),
    )
    return initialize(model, init)


@dataclass(frozen=True)
class PruningData:
    """Inputs and integer labels: training, validation (early stopping) and test."""

    x_train: Tensor
    y_train: Tensor
    x_val: Tensor
    y_val: Tensor
    x_test: Tensor
    y_test: Tensor


@dataclass(frozen=True)
class PruningRound:
    """One level of pruning; arrays are (controls, seeds), the controls as in CONTROLS
    (round 0: the dense network, one row). `early_stop_iteration`: the iteration of minimum
    validation loss; `test_accuracy`: at that iteration; `final_test_accuracy`: after the last
    iteration; `val_loss` (controls, seeds, evaluations) at `eval_iterations`."""

    round: int
    remaining: float  # Pm as a fraction of the Linear weights
    early_stop_iteration: np.ndarray
    test_accuracy: np.ndarray
    final_test_accuracy: np.ndarray
    val_loss: np.ndarray
    eval_iterations: np.ndarray

    @property
    def censored(self) -> np.ndarray:
        """(controls, seeds): True where the minimum validation loss came at the last
        evaluation, the iteration cap: the loss was still falling, so the early-stop
        iteration is only a lower bound (censored), not a measurement."""
        return self.early_stop_iteration >= self.eval_iterations[-1]


@dataclass(frozen=True)
class LotterySweep:
    seeds: tuple[int, ...]
    controls: tuple[str, ...]
    rounds: tuple[PruningRound, ...]
    masks: tuple[Masks, ...]  # each seed's ticket mask of the last round


def _draw(build: Callable[[], nn.Module], seed: int) -> nn.Module:
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return build()


def _derived_seed(seed: int, stream: int, round_: int) -> int:
    state = np.random.SeedSequence([int(seed), stream, round_]).generate_state(2, np.uint32)
    return int(state[0]) << 31 | int(state[1]) >> 1


def _state(model: nn.Module) -> dict[str, Tensor]:
    return {name: p.detach().clone() for name, p in model.named_parameters()}


def _check(seeds: Sequence[int], rounds: int, rewind_iteration: int, iterations: int) -> None:
    if not seeds:
        raise ConfigError("seeds must name at least one seed.")
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 0:
        raise ConfigError(f"rounds must be an integer >= 0, got {rounds!r}.")
    if isinstance(rewind_iteration, bool) or not isinstance(rewind_iteration, int):
        raise ConfigError(f"rewind_iteration must be an integer, got {rewind_iteration!r}.")
    if not 0 <= rewind_iteration <= iterations:
        raise ConfigError(
            f"rewind_iteration must be in [0, iterations={iterations}] (0: reset to theta_0), "
            f"got {rewind_iteration}."
        )


def control_rounds_at(
    build: Callable[[], nn.Module],
    levels: Sequence[float],
    rounds: int,
    rate: float = 0.2,
    output_rate: float = 0.1,
) -> tuple[int, ...]:
    """The rounds 1..`rounds` whose Pm is closest to each of `levels` (percent of the weights
    remaining, in (0, 100]), sorted without repeats: where to train the controls."""
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 0:
        raise ConfigError(f"rounds must be an integer >= 0, got {rounds!r}.")
    bad = [v for v in levels if not 0 < v <= 100]
    if bad:
        raise ConfigError(
            f"levels must be percentages of weights remaining in (0, 100], got {bad}."
        )
    if rounds == 0:
        return ()
    model = _draw(build, 0)
    rates = layer_rates(model, rate, output_rate)
    pm = [100 * remaining_after(model, rates, r) for r in range(1, rounds + 1)]
    return tuple(sorted({1 + int(np.argmin([abs(p - v) for p in pm])) for v in levels}))


def _members(build, reference, seeds, kinds, starts, masks, round_) -> list[tuple]:
    """(seed, initial state, mask) of each member of one round: per control, every seed."""
    members = []
    for kind in kinds:
        for i, s in enumerate(seeds):
            if kind == "ticket":
                members.append((s, starts[i], masks[i]))
            elif kind == "random reinit":
                fresh = _state(_draw(build, _derived_seed(s, REINIT_STREAM, round_)))
                members.append((s, fresh, masks[i]))
            else:
                seed = _derived_seed(s, RANDOM_MASK_STREAM, round_)
                mask = random_masks(reference, masks[i], torch.Generator().manual_seed(seed))
                members.append((s, starts[i], mask))
    return members


def _train_round(members, data: PruningData, settings: dict, snapshot_at: int = 0):
    """Train one round's members (a list of (seed, initial state, mask)) as one ensemble."""
    from learnlab.analysis.validated_ensemble import ValidatedEnsemble

    seeds, states, masks = zip(*members, strict=True)
    ensemble = ValidatedEnsemble(
        settings["build"],
        list(seeds),
        initial_states=list(states),
        masks=list(masks) if any(masks) else None,
        optimizer="adam",
        lr=settings["lr"],
        device=settings["device"],
    )
    curve = ensemble.fit_validated(
        data.x_train,
        data.y_train,
        data.x_val,
        data.y_val,
        iterations=settings["iterations"],
        batch_size=settings["batch_size"],
        eval_every=settings["eval_every"],
        snapshot_at=snapshot_at,
    )
    best = ensemble.evaluate_best(data.x_test, data.y_test)["accuracy"].double().numpy()
    final = ensemble.evaluate(data.x_test, data.y_test)["accuracy"].double().numpy()
    return ensemble, curve, best, final


def iterative_magnitude_pruning(
    build: Callable[[], nn.Module],
    data: PruningData,
    seeds: Sequence[int],
    *,
    rounds: int,
    iterations: int,
    eval_every: int,
    batch_size: int = 60,
    lr: float = 1.2e-3,
    rate: float = 0.2,
    output_rate: float = 0.1,
    rewind_iteration: int = 0,
    controls: bool = True,
    control_rounds: Collection[int] | None = None,
    device: str = "cpu",
    progress: Callable[[str], None] | None = None,
) -> LotterySweep:
    """The ticket (and, with `controls`, random reinit and random pruning) at every level of
    `rounds` rounds of iterative magnitude pruning (module docstring): at every round, or
    only at the rounds in `control_rounds` (None: every round). Adam with `lr`; each
    training `iterations` steps of batch `batch_size`, validated every `eval_every`."""
    rate = check_fraction("rate", rate)
    output_rate = check_fraction("output_rate", output_rate)
    seeds = [int(s) for s in seeds]
    _check(seeds, rounds, rewind_iteration, iterations)
    with_controls = _checked_control_rounds(control_rounds, rounds) if controls else set()
    settings = {"build": build, "lr": lr, "device": device, "iterations": iterations}
    settings |= {"batch_size": batch_size, "eval_every": eval_every}
    theta_0 = [_state(_draw(build, s)) for s in seeds]
    reference = _draw(build, seeds[0])
    rates = layer_rates(reference, rate, output_rate)
    masks: list[Masks] = [{} for _ in seeds]
    starts = theta_0
    results = []
    for r in range(rounds + 1):
        kinds = CONTROLS if r in with_controls else CONTROLS[:1]
        members = _members(build, reference, seeds, kinds, starts, masks, r)
        snapshot = rewind_iteration if r == 0 else 0
        ensemble, curve, best, final = _train_round(members, data, settings, snapshot)
        shape = (len(kinds), len(seeds))
        results.append(
            PruningRound(
                round=r,
                remaining=remaining_fraction(reference, masks[0] or None),
                early_stop_iteration=curve.best_iteration.reshape(shape),
                test_accuracy=best.reshape(shape),
                final_test_accuracy=final.reshape(shape),
                val_loss=curve.loss.T.reshape(*shape, -1),
                eval_iterations=curve.iterations,
            )
        )
        if progress is not None:
            progress(_progress_line(results[-1]))
        if r == 0 and rewind_iteration > 0:
            starts = [
                {n: p[i].clone() for n, p in ensemble.snapshot_.items()} for i in range(len(seeds))
            ]
        if r < rounds:  # the tickets are the first members: prune their final weights
            masks = [
                magnitude_masks(ensemble.member(i), rates, masks[i] or None)
                for i in range(len(seeds))
            ]
    return LotterySweep(
        tuple(seeds), CONTROLS if controls else CONTROLS[:1], tuple(results), tuple(masks)
    )


def _checked_control_rounds(control_rounds: Collection[int] | None, rounds: int) -> set[int]:
    """The rounds whose controls train (never round 0: there they are the dense network)."""
    if control_rounds is None:
        return set(range(1, rounds + 1))
    bad = [r for r in control_rounds if isinstance(r, bool) or not isinstance(r, int)]
    bad += [r for r in control_rounds if r not in bad and not 1 <= r <= rounds]
    if bad:
        raise ConfigError(
            f"control_rounds must be rounds in 1..rounds={rounds} (round 0 is the dense "
            f"network), got {bad}."
        )
    return set(control_rounds)


def _progress_line(result: PruningRound) -> str:
    accuracy = ", ".join(f"{100 * a:.2f}%" for a in result.test_accuracy.mean(1))
    stops = ", ".join(f"{s:.0f}" for s in result.early_stop_iteration.mean(1))
    return (
        f"round {result.round}: Pm = {100 * result.remaining:.1f}%, test accuracy at early stop "
        f"{accuracy}, early-stop iteration {stops}"
    )
