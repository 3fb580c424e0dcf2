"""The distillation results beside the compression table: the latest `distillation` run of
the run index (teacher, student from scratch, distilled student: the other way to a smaller
model, lecture L4), or a note on how to make one."""

from __future__ import annotations

from typing import Any

MNIST_TEST = 10_000
MNIST_PIXELS = 784


def _parameters(width: int) -> int:
    """Parameters of the 784-width-width-10 MLP of the distillation recipe."""
    return (MNIST_PIXELS + 1) * width + (width + 1) * width + (width + 1) * 10


def latest_distillation() -> dict[str, Any] | None:
    """The run-index entry of the latest finished distillation run, or None."""
    from learnlab.runs.index import read_index

    runs = [e for e in read_index() if e.get("kind") == "distillation"]
    return runs[-1] if runs else None


def distillation_rows(entry: dict[str, Any]) -> list[dict[str, str]]:
    """Teacher, scratch student and distilled student of a distillation run: size and test
    accuracy (from its mean test errors)."""
    summary, config = entry["summary"], entry.get("config", {})
    tested = config.get("limit_test") or MNIST_TEST
    teacher, student = int(config.get("teacher_width", 1200)), int(config.get("student_width", 800))
    rows = []
    for kind, width, what in (
        ("teacher", teacher, "teacher (dropout, jitter)"),
        ("scratch", student, "student, labels only"),
        ("distilled", student, f"student distilled at T = {config.get('temperature', 20):g}"),
    ):
        errors = float(summary[f"{kind}_errors"])
        rows.append(
            {
                "model": what,
                "hidden layers": f"2 x {width}",
                "parameters": f"{_parameters(width):,}",
                "size ratio": f"{_parameters(teacher) / _parameters(width):.2f}x",
                "test errors (mean over seeds)": f"{errors:.1f} of {tested}",
                "test accuracy": f"{100 * (1 - errors / tested):.2f}%",
            }
        )
    return rows


def distillation_note(entry: dict[str, Any] | None) -> str:
    if entry is None:
        return (
            "Distillation: no `distillation` run in the run index ($LEARNLAB_RUNS, else ./runs); "
            "make one with `learnlab reproduce distillation` (about 20 minutes of CPU time; "
            "`--quick` for a seconds-long one) and run this recipe again to see it here."
        )
    return (
        f"Distillation (the latest `distillation` run, {entry.get('name', entry['run_dir'])}): "
        "a student of fewer parameters trained on the teacher's soft targets, in the table "
        "'distillation'."
    )
