"""The distillation recipe's Result: the summary (means and spreads over the student seeds,
the paired difference distilled - scratch), the tables beside the paper, the figures."""

from __future__ import annotations

import statistics
from typing import Any

from learnlab.recipes.distillation.config import DistillationConfig
from learnlab.recipes.distillation.reproduction import PAPER
from learnlab.recipes.distillation.training import NAME
from learnlab.recipes.seeds import spread_keys
from learnlab.result import FigureSpec, Result

PAPER_ERRORS = {
    "teacher": 67,
    "scratch": 146,
    "distilled": 74,
    "omitted": 206,
    "omitted_shifted": 109,
}
PAPER_DIGIT_ERRORS = {"omitted": 133, "omitted_shifted": 14}
PAPER_SHIFT = 3.5
LABELS = {
    "teacher": "teacher 1200x2, dropout, jitter",
    "scratch": "student 800x2, from scratch",
    "distilled": "student distilled, T = 20",
    "omitted": "distilled, no 3s in transfer set",
    "omitted_shifted": "the same, bias of 3 raised",
}
# the students' numbers that get a mean and a spread over the seeds
STUDENT_KEYS = (
    "errors",
    "digit_errors",
    "shifted_errors",
    "shifted_digit_errors",
    "chosen_shift",
)


def summarize(
    config: DistillationConfig, teacher: Result, students: dict[str, list[Result]]
) -> dict[str, Any]:
    summary: dict[str, Any] = {"recipe": NAME, "temperature": config.temperature}
    summary["teacher_errors"] = float(teacher.summary["errors"])
    summary["teacher_digit_errors"] = float(teacher.summary["digit_errors"])
    for kind, results in students.items():
        for key in STUDENT_KEYS:
            values = [float(r.summary[key]) for r in results if key in r.summary]
            if values:
                summary[f"{kind}_{key}"] = statistics.fmean(values)
                summary.update(spread_keys(f"{kind}_{key}", values))
    paired = [
        float(d.summary["errors"]) - float(s.summary["errors"])
        for d, s in zip(students["distilled"], students["scratch"], strict=True)
    ]
    summary["distilled_minus_scratch"] = statistics.fmean(paired)
    summary.update(spread_keys("distilled_minus_scratch", paired))
    summary["distilled_beats_scratch"] = float(summary["distilled_minus_scratch"] < 0)
    summary["seeds"] = len(paired)
    seconds = [float(r.summary["train_seconds"]) for rs in students.values() for r in rs]
    summary["train_seconds"] = float(teacher.summary["train_seconds"]) + sum(seconds)
    return summary


def _cell(summary: dict[str, Any], key: str) -> str:
    if f"{key}_std" in summary:
        return f"{summary[key]:.1f} +- {summary[f'{key}_std']:.1f}"
    return f"{summary[key]:.0f}"


def _per_seed(name: str, students: dict[str, list[Result]]) -> str:
    if name == "teacher":
        return "(one teacher)"
    kind, field = ("omitted", "shifted_errors") if name == "omitted_shifted" else (name, "errors")
    return ", ".join(f"{float(r.summary[field]):.0f}" for r in students[kind])


def _comparison_rows(summary: dict[str, Any], students: dict[str, list[Result]]) -> list[dict]:
    return [
        {
            "network": label,
            "test errors, paper": str(PAPER_ERRORS[name]),
            "ours (mean +- std)": _cell(summary, f"{name}_errors"),
            "each seed": _per_seed(name, students),
            "on the test 3s (paper)": f"{summary[f'{name}_digit_errors']:.1f}"
            + (f" ({PAPER_DIGIT_ERRORS[name]})" if name in PAPER_DIGIT_ERRORS else ""),
        }
        for name, label in LABELS.items()
    ]


def _shift_rows(seeds: list[int], omitted: list[Result]) -> list[dict[str, str]]:
    return [
        {
            "seed": str(seed),
            "chosen shift (validation)": f"{s['chosen_shift']:g}",
            "validation errors before / after": (
                f"{s['validation_errors']:.0f} / {s['validation_errors_shifted']:.0f}"
            ),
            "test errors before / after": f"{s['errors']:.0f} / {s['shifted_errors']:.0f}",
            "test 3s wrong before / after": (
                f"{s['digit_errors']:.0f} / {s['shifted_digit_errors']:.0f}"
            ),
            "best shift on test (reference only)": (
                f"{s['test_best_shift']:g} ({s['test_best_errors']:.0f} errors)"
            ),
        }
        for seed, s in zip(seeds, (r.summary for r in omitted), strict=True)
    ]


def _figures(config: DistillationConfig, summary: dict[str, Any], omitted: Result) -> list:
    from learnlab.recipes.distillation.figures import errors_figure, shift_figure

    keys = [f"{name}_errors" for name in LABELS]
    bars = {
        "labels": [label.replace(", ", "\n", 1) for label in LABELS.values()],
        "paper": [float(v) for v in PAPER_ERRORS.values()],
        "ours": [summary[k] for k in keys],
        "low": [summary.get(f"{k}_min", summary[k]) for k in keys],
        "high": [summary.get(f"{k}_max", summary[k]) for k in keys],
    }
    val, test = omitted.outputs["validation_errors"], omitted.outputs["test_errors"]
    sizes = (config.validation, config.limit_test or 10_000, omitted.summary["digit_examples"])
    curve = {
        "shifts": omitted.outputs["shifts"].tolist(),
        "validation": (100 * val[:, 0] / sizes[0]).tolist(),
        "test": (100 * test[:, 0] / sizes[1]).tolist(),
        "test_digit": (100 * test[:, 1] / max(1.0, sizes[2])).tolist(),
        "chosen": float(omitted.summary["chosen_shift"]),
        "paper_shift": PAPER_SHIFT,
        "digit": config.omitted_digit,
    }
    return [
        FigureSpec("test errors beside the paper's", errors_figure, bars),
        FigureSpec(
            "the omitted class's bias shift (first seed)",
            shift_figure,
            curve,
            caption="the shift is chosen on the validation images; the test curves are only shown",
        ),
    ]


def result(
    config: DistillationConfig, teacher: Result, students: dict[str, list[Result]]
) -> Result:
    summary = summarize(config, teacher, students)
    seeds = config.seed_list()
    difference = _cell(summary, "distilled_minus_scratch")
    verdict = "beats" if summary["distilled_beats_scratch"] else "does NOT beat"
    notes = [
        f"Reproduction of {PAPER.citation()}.",
        f"The distilled student {verdict} the scratch student: test errors distilled - scratch "
        f"{difference} (mean +- std over seeds {seeds[0]} to {seeds[-1]}, paired by seed: the "
        "same initial weights); the paper: 74 - 146 = -72.",
        f"The 3-omitted student's bias of class {config.omitted_digit} is raised by the shift "
        f"with the fewest errors on the last {config.validation} training images (left out of "
        "its transfer set); the paper chose its 3.5 on the test set. The test set's own best "
        "shift is listed for reference only; nothing is chosen on it.",
        f"{summary['train_seconds']:.0f} s of training in all (teacher "
        f"{float(teacher.summary['train_seconds']):.0f} s).",
    ]
    return Result(
        kind=NAME,
        title=f"{NAME}: Hinton et al.'s MNIST experiments",
        summary=summary,
        notes=notes,
        tables={
            "test errors beside the paper's": _comparison_rows(summary, students),
            f"the {config.omitted_digit}-omitted student's class bias, per seed": _shift_rows(
                seeds, students["omitted"]
            ),
        },
        figures=_figures(config, summary, students["omitted"][0]),
        index={"dataset": "mnist", "model": "mlp", "test_errors": summary["distilled_errors"]},
        headline=(
            f"[bold]{NAME}[/]: test errors teacher {summary['teacher_errors']:.0f} (paper 67), "
            f"scratch {summary['scratch_errors']:.1f} (146), distilled "
            f"{summary['distilled_errors']:.1f} (74); 3s omitted {summary['omitted_errors']:.1f} "
            f"(206), bias raised {summary['omitted_shifted_errors']:.1f} (109)"
        ),
    )
