"""A recipe's target from issue 6 (an accuracy, and a time limit where there is one): recorded
in the run's summary.json and stated in its report, met or not."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from learnlab.pipeline import Outcome


def target_notes(summary: dict, target_accuracy: float, time_limit: float | None) -> list[str]:
    """Sentences stating the issue's target and whether `summary` (a run's) meets it."""
    accuracy, seconds = float(summary["test_accuracy"]), float(summary["train_seconds"])
    target = f">= {100 * target_accuracy:.1f}% test accuracy"
    if time_limit is not None:
        target += f" in at most {time_limit / 60:g} minutes of training on 2 CPU cores"
    verdict = "met" if accuracy >= target_accuracy else "NOT met"
    line = f"Target (issue 6): {target}. Accuracy target {verdict}: {100 * accuracy:.2f}%"
    line += f" after {seconds:.0f} s of training"
    if time_limit is not None:
        within = "within" if seconds <= time_limit else "OVER"
        line += f" ({within} the time limit on this machine; the time depends on its load)"
    return [line + "."]


def finish_with_target(
    outcome: Outcome,
    *,
    target_accuracy: float,
    time_limit: float | None,
    notes: list[str],
    console: Console,
) -> Outcome:
    """Record the target in summary.json (`target_test_accuracy`, `reached_target`, and
    `time_limit_seconds`, `within_time_limit` when there is one), add the verdict to the
    report's notes and draw the report; return the outcome with the updated summary."""
    from learnlab import runs
    from learnlab.report.run_report import build_run_report

    summary = dict(outcome.summary)
    summary["target_test_accuracy"] = target_accuracy
    summary["reached_target"] = float(summary["test_accuracy"]) >= target_accuracy
    if time_limit is not None:
        summary["time_limit_seconds"] = time_limit
        summary["within_time_limit"] = float(summary["train_seconds"]) <= time_limit
    runs.write_json(outcome.run_dir / runs.SUMMARY_FILE, summary)
    tensors, metadata = runs.load_outputs(outcome.run_dir)
    all_notes = [*notes, *target_notes(summary, target_accuracy, time_limit)]
    runs.save_outputs(outcome.run_dir, tensors, {**metadata, "notes": all_notes})
    console.print(f"report: {build_run_report(outcome.run_dir)}")
    outcome.summary = summary
    return outcome


def train_to_target(
    train_config,
    *,
    title: str,
    paper: str,
    target_accuracy: float,
    time_limit: float | None,
    run_dir=None,
    resume=None,
    console: Console | None = None,
) -> Outcome:
    """One `run_training` whose report states the target and whether it was met (the report is
    drawn after training, once that is known)."""
    from rich.console import Console

    from learnlab.pipeline import run_training

    console = console or Console(stderr=True)
    notes = [
        paper,
        f"Hyperparameters were chosen on a validation split ({train_config.val_fraction:.3g} "
        "of the training images); the test set is evaluated once, at the end.",
    ]
    outcome = run_training(
        train_config,
        run_dir=run_dir,
        resume=resume,
        console=console,
        title=title,
        notes=notes,
        report=False,
    )
    return finish_with_target(
        outcome,
        target_accuracy=target_accuracy,
        time_limit=time_limit,
        notes=notes,
        console=console,
    )
