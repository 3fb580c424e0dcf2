"""The interpolation recipe's scans (learnlab.analysis.landscape): the line from the first
seed's initialisation to its solution, the line between the two seeds' solutions, each on
training and test images, and the plane around the first solution; each resumes from its
checkpoint file in the run directory."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any

from learnlab.recipes.interpolation.config import InterpolationConfig
from learnlab.recipes.interpolation.experiment import SCANS_FOLDER, Solution, build


@contextmanager
def _bar(console, label: str, show: bool):
    """A progress callback `(done, total)` showing a rich bar (None when hidden)."""
    if not show:
        yield None
        return
    from rich.progress import Progress

    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield advance


def scan_lines(
    config: InterpolationConfig,
    first: Solution,
    second: Solution,
    batches: dict[str, Any],
    run_dir: Path,
    console,
) -> dict[str, Any]:
    """(path, split) -> LineScan for the paths "init-to-solution" and "solution-to-solution"
    and the splits "train" and "test"."""
    from learnlab.analysis.landscape import linear_path
    from learnlab.objectives.supervised import CrossEntropy

    model = build(config, first.seed)
    ends = {
        "init-to-solution": (first.initial, first.final),
        "solution-to-solution": (first.final, second.final),
    }
    scans = {}
    for path, (start, end) in ends.items():
        for split in ("train", "test"):
            with _bar(console, f"{path}, {split}", config.progress) as progress:
                scans[path, split] = linear_path(
                    model,
                    CrossEntropy(),
                    batches[split],
                    start,
                    end,
                    alphas=config.alphas(),
                    batch_norm=config.batch_norm,
                    batch_norm_data=batches["statistics"],
                    checkpoint_path=run_dir / SCANS_FOLDER / f"{path}-{split}.json",
                    progress=progress,
                )
    return scans


def scan_plane(
    config: InterpolationConfig, first: Solution, batches: dict[str, Any], run_dir: Path, console
):
    """The training loss on the plane of two filter-normalised directions around the first
    solution (directions drawn from the seed)."""
    from learnlab.analysis.landscape import loss_plane
    from learnlab.objectives.supervised import CrossEntropy

    model = build(config, first.seed)
    axis = config.plane_axis()
    with _bar(console, "plane around the solution", config.progress) as progress:
        return loss_plane(
            model,
            CrossEntropy(),
            batches["plane"],
            first.final,
            seed=config.seed,
            alphas=axis,
            betas=axis,
            batch_norm=config.batch_norm,
            batch_norm_data=batches["statistics"],
            checkpoint_path=run_dir / SCANS_FOLDER / "plane.json",
            progress=progress,
        )
