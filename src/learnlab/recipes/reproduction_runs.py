"""A finished reproduction run read back as its paper-vs-measured result, so that
`learnlab reproduce --from RUN ... --page PATH` writes the reproductions page from runs that
already finished, without training them again.

The table is judged again with the reproduction's current claims. The `--set` overrides are
recovered by comparing the run's saved config with the reproduction's own (or `--quick`'s):
a run whose setup differs from the paper's is marked so on the page, as if it had been run
with those overrides. The wall time, date and machine are those `run_reproduction` recorded
in the run's index entry.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from learnlab.io.errors import ConfigError
from learnlab.recipes.reproduce import ReproductionResult, comparison_rows

# settings that say how a run was executed, not what it computed
EXECUTION_SETTINGS = frozenset({"threads", "logger", "progress", "data_root", "download"})


def reproduction_from_run(
    run_dir: str | Path, assignments: Sequence[str] | None = None
) -> ReproductionResult:
    """The ReproductionResult of the finished reproduction run in `run_dir`; `assignments`,
    the --set overrides it ran with where they are known, else recovered from its config."""
    from learnlab.config import build_config
    from learnlab.recipes.registry import get_recipe
    from learnlab.runs.result_files import is_finished, read_result

    run_dir = Path(run_dir)
    if not is_finished(run_dir):
        raise ConfigError(
            f"{run_dir} is not a finished run (no summary of a completed run there); give the "
            "directory of a finished `learnlab reproduce NAME` run, or resume it first."
        )
    result = read_result(run_dir)
    recipe = get_recipe(result.kind)
    if recipe.reproduction is None:
        raise ConfigError(f"{run_dir} is a run of {result.kind!r}, which is not a reproduction.")
    quick = bool(result.index.get("quick", False))
    default = build_config(
        recipe.config_class, flags=dict(recipe.reproduction.quick) if quick else None
    )
    if assignments is None:
        assignments = _overrides(default.model_dump(mode="json"), _saved_config(run_dir))
    seconds = result.index.get("reproduction_seconds")
    cpu_seconds = result.index.get("reproduction_cpu_seconds")
    return ReproductionResult(
        name=result.kind,
        reproduction=recipe.reproduction,
        rows=comparison_rows(
            recipe.reproduction, result.summary, quick=quick, assignments=assignments
        ),
        run_dir=run_dir,
        seconds=None if seconds is None else float(seconds),
        quick=quick,
        finished=result.index.get("reproduced_at") or _modified(run_dir / "summary.json"),
        machine=result.index.get("machine", "a machine that was not recorded"),
        assignments=tuple(assignments),
        cpu_seconds=None if cpu_seconds is None else float(cpu_seconds),
        time_complete=bool(result.index.get("reproduction_time_complete", True)),
    )


def _saved_config(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "config.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: the run's config cannot be read ({exc}).") from None


def _overrides(default: dict[str, Any], saved: dict[str, Any]) -> list[str]:
    """`key=value` for each setting the run had that differs from the reproduction's own."""
    return [
        f"{key}={json.dumps(value)}"
        for key, value in saved.items()
        if key not in EXECUTION_SETTINGS and default.get(key) != value
    ]


def _modified(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
