"""The lottery-ticket Result: the summary (per level of pruning and control, the mean over
the seeds with their spread; the numbers the claims read), the table and the figures."""

from __future__ import annotations

from typing import Any

import numpy as np

from learnlab.recipes.lottery_ticket.config import LotteryTicketConfig
from learnlab.recipes.lottery_ticket.reproduction import (
    LEVELS,
    PAPER,
    TARGET_REINIT_GAP,
    TARGET_WINDOW,
)
from learnlab.recipes.seeds import spread_keys
from learnlab.result import FigureSpec, Result

NAME = "lottery-ticket"
SHORT = {"ticket": "ticket", "random reinit": "reinit", "random pruning": "random_pruning"}


def closest_round(sweep, pm: float) -> int:
    """The round whose Pm (a fraction) is closest to `pm`."""
    return int(np.argmin([abs(r.remaining - pm) for r in sweep.rounds]))


def _per_round(sweep) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for r in sweep.rounds:
        summary[f"pm_r{r.round}"] = 100 * r.remaining
        for c, control in enumerate(sweep.controls[: len(r.test_accuracy)]):
            short = SHORT[control]
            accuracy = 100 * r.test_accuracy[c]
            stops = r.early_stop_iteration[c].astype(float)
            summary[f"{short}_test_accuracy_r{r.round}"] = float(accuracy.mean())
            summary |= spread_keys(f"{short}_test_accuracy_r{r.round}", accuracy.tolist())
            summary[f"{short}_early_stop_r{r.round}"] = float(stops.mean())
            summary |= spread_keys(f"{short}_early_stop_r{r.round}", stops.tolist())
            # seeds whose minimum came at the cap: their early stop is a lower bound only
            summary[f"{short}_censored_r{r.round}"] = int(r.censored[c].sum())
    return summary


def _paired(summary: dict[str, Any], key: str, values: np.ndarray) -> None:
    """The mean over the seeds of a per-seed difference under `key`, with its spread."""
    summary[key] = float(values.mean())
    summary |= spread_keys(key, values.tolist())


def _claimed(sweep, summary: dict[str, Any]) -> None:
    dense = sweep.rounds[0]
    dense_accuracy, dense_stop = 100 * dense.test_accuracy[0], dense.early_stop_iteration[0]
    summary["dense_test_accuracy"] = float(dense_accuracy.mean())
    summary["dense_early_stop"] = float(dense_stop.mean())
    summary["dense_censored"] = int(dense.censored[0].sum())
    for label, pm in LEVELS.items():
        r = sweep.rounds[closest_round(sweep, pm / 100)]
        summary[f"pm_at_{label}"] = 100 * r.remaining
        _paired(summary, f"ticket_gain_at_{label}", 100 * r.test_accuracy[0] - dense_accuracy)
        earlier = 100 * (1 - r.early_stop_iteration[0] / np.maximum(dense_stop, 1))
        _paired(summary, f"ticket_earlier_at_{label}", earlier)
        if len(r.test_accuracy) > 1:
            gap = 100 * (r.test_accuracy[0] - r.test_accuracy[1])
            _paired(summary, f"ticket_minus_reinit_at_{label}", gap)
    low, high = TARGET_WINDOW
    window = [r for r in sweep.rounds if low - 0.05 <= 100 * r.remaining <= high + 0.05]
    summary["target_window_rounds"] = [r.round for r in window]
    summary["target_accuracy_met"] = bool(window) and all(
        100 * r.test_accuracy[0].mean() >= dense_accuracy.mean() for r in window
    )
    # a ticket stopped at the cap has no measured early stop, so it cannot count as earlier
    # (a dense network stopped at the cap only makes its own value a lower bound)
    summary["target_window_censored"] = int(sum(r.censored[0].sum() for r in window))
    summary["target_earlier_met"] = (
        bool(window)
        and summary["target_window_censored"] == 0
        and all(r.early_stop_iteration[0].mean() < dense_stop.mean() for r in window)
    )
    gap = summary.get("ticket_minus_reinit_at_7.0")
    summary["target_reinit_met"] = gap is not None and gap >= TARGET_REINIT_GAP


def summarize(config: LotteryTicketConfig, sweep, seconds: float) -> dict[str, Any]:
    summary: dict[str, Any] = {"recipe": NAME, "rounds": config.rounds}
    summary["iterations_per_round"] = config.iterations
    summary["rewind_iteration"] = config.rewind_iteration
    summary |= _per_round(sweep)
    _claimed(sweep, summary)
    summary["seeds"] = len(sweep.seeds)
    summary["seconds"] = seconds
    return summary


def _table(sweep) -> list[dict[str, str]]:
    rows = []
    for r in sweep.rounds:
        row = {"round": str(r.round), "Pm": f"{100 * r.remaining:.1f}%"}
        for c, control in enumerate(sweep.controls[: len(r.test_accuracy)]):
            accuracy = 100 * r.test_accuracy[c]
            row[f"{control}: test accuracy"] = (
                f"{accuracy.mean():.2f}% ({accuracy.min():.2f} to {accuracy.max():.2f})"
            )
            row[f"{control}: early-stop iteration"] = _stop_cell(r, c)
        for control in sweep.controls[len(r.test_accuracy) :]:  # not trained at this level
            row[f"{control}: test accuracy"] = row[f"{control}: early-stop iteration"] = "-"
        rows.append(row)
    return rows


def _stop_cell(r, control: int) -> str:
    """The mean early-stop iteration, and how many seeds stopped at the cap (censored)."""
    cell = f"{r.early_stop_iteration[control].mean():.0f}"
    censored = int(r.censored[control].sum())
    if censored:
        cell += f" ({censored} of {r.censored.shape[1]} at the cap)"
    return cell


def _figures(sweep) -> list[FigureSpec]:
    import torch

    from learnlab.recipes.lottery_ticket.figures import pruning_figure

    controls = range(len(sweep.controls))
    data = {
        "pm": [100 * r.remaining for r in sweep.rounds],
        "controls": list(sweep.controls),
        # (controls, rounds, seeds); the dense network is every control's first point
        "accuracy": torch.tensor(
            np.stack([_with_dense(sweep, c, "test_accuracy") for c in controls])
        ),
        "early_stop": torch.tensor(
            np.stack([_with_dense(sweep, c, "early_stop_iteration") for c in controls])
        ),
        "cap": int(sweep.rounds[0].eval_iterations[-1]),
    }
    return [FigureSpec("test accuracy and early-stop iteration against Pm", pruning_figure, data)]


def _with_dense(sweep, control: int, field: str) -> np.ndarray:
    """(rounds, seeds) of one control, the dense network's row (round 0) for every control;
    NaN at the rounds where the control did not train."""
    rows = []
    for r in sweep.rounds:
        values = getattr(r, field).astype(float)
        if r.round == 0:
            rows.append(values[0])
        elif control < len(values):
            rows.append(values[control])
        else:
            rows.append(np.full(values.shape[1], np.nan))
    return np.stack(rows)


def _control_levels(sweep) -> str:
    levels = [f"{100 * r.remaining:.1f}%" for r in sweep.rounds if len(r.test_accuracy) > 1]
    return ", ".join(levels) or "none"


def _censored_note(count: int, what: str = "seeds") -> str:
    return f"; {count} {what} at the iteration cap, censored" if count else ""


def result(config: LotteryTicketConfig, sweep, seconds: float) -> Result:
    summary = summarize(config, sweep, seconds)
    seeds = sweep.seeds
    start = "theta_0" if config.rewind_iteration == 0 else f"theta_{config.rewind_iteration}"
    notes = [
        f"Reproduction of {PAPER.citation()}.",
        f"LeNet-300-100 on MNIST, seeds {seeds[0]} to {seeds[-1]}; {config.rounds} rounds of "
        f"iterative magnitude pruning ({100 * config.prune_rate:g}% of each hidden layer's "
        f"remaining weights per round, {100 * config.output_prune_rate:g}% of the output "
        f"layer's), tickets reset to {start}; every training {config.iterations} iterations of "
        f"Adam (lr {config.lr:g}, batch {config.batch_size}), validation loss every "
        f"{config.eval_every} iterations; controls at Pm = {_control_levels(sweep)}. An "
        "early stop at the cap (the loss still falling) is censored: a lower bound. "
        f"{seconds:.0f} s.",
        f"Dense network: {summary['dense_test_accuracy']:.2f}% at early stop (iteration "
        f"{summary['dense_early_stop']:.0f}{_censored_note(summary['dense_censored'])}). "
        f"Targets: ticket at least as accurate as the dense "
        f"network at Pm in {TARGET_WINDOW[0]}-{TARGET_WINDOW[1]}%: "
        f"{'met' if summary['target_accuracy_met'] else 'NOT met'}; stopping earlier there: "
        f"{'met' if summary['target_earlier_met'] else 'NOT met'}"
        f"{_censored_note(summary['target_window_censored'], 'tickets')}; ticket beats random "
        f"reinit by >= {TARGET_REINIT_GAP:g} point at Pm = 7.0%: "
        f"{'met' if summary['target_reinit_met'] else 'NOT met'}.",
    ]
    return Result(
        kind=NAME,
        title=f"{NAME}: winning tickets of LeNet-300-100 on MNIST",
        summary=summary,
        notes=notes,
        tables={"each level of pruning (mean over the seeds, min to max)": _table(sweep)},
        figures=_figures(sweep),
        index={"dataset": "mnist", "model": "lenet-300-100"},
        headline=(
            f"[bold]{NAME}[/]: dense {summary['dense_test_accuracy']:.2f}%, ticket at Pm = "
            f"{summary['pm_at_13.5']:.1f}% {summary['ticket_gain_at_13.5']:+.2f} points"
        ),
    )
