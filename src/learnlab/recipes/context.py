"""What a recipe's `run(config, ctx)` gets besides its config: where its run directory is,
whether it resumes, the console, and the two ways to run a part.

A part is a piece of a recipe with a Result of its own (one model of a comparison, one
experiment of several, one seed): `ctx.part(name, function, ...)` runs `function(...) -> Result`
and writes it to `<run dir>/<name>/` as soon as it finishes; `ctx.train(name, train_config)`
does the same for a `learnlab train` run, with checkpoints. On `--resume`, a part whose
directory holds a finished result is read back instead of run again, and an unfinished training
part continues from its last checkpoint; so a recipe made of parts resumes part by part. The
runner (`learnlab.recipes.runner`) attaches the parts to the recipe's Result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from learnlab.result import Result

if TYPE_CHECKING:
    from rich.console import Console

    from learnlab.config import TrainConfig


@dataclass
class RunContext:
    run_dir: Path
    console: Console
    resume: bool = False
    config: dict[str, Any] = field(default_factory=dict)  # written with the first part
    parts: dict[str, Result] = field(default_factory=dict)
    # the recipe's `threads` when it sets a number: a training part whose own config says
    # "auto" trains with it; None: each training part chooses for its own model
    threads: int | None = None

    def _inherited(self, config: TrainConfig) -> TrainConfig:
        """`config` with what the recipe was told for its training runs where `config` keeps
        the default: the recipe's thread count (a number, not "auto") and its `logger`
        (TensorBoard, MLflow)."""
        update: dict[str, Any] = {}
        if self.threads is not None and config.threads == "auto":
            update["threads"] = self.threads
        logger = self.config.get("logger", "none")
        if logger != "none" and config.logger == "none":
            update["logger"] = logger
        return config.model_copy(update=update) if update else config

    def _write_config(self) -> None:
        """The recipe's config.json, written before the first part starts: what --resume
        continues with."""
        from learnlab.runs.directory import CONFIG_FILE, write_json

        if not (self.run_dir / CONFIG_FILE).is_file():
            self.run_dir.mkdir(parents=True, exist_ok=True)
            write_json(self.run_dir / CONFIG_FILE, self.config)

    def part_dir(self, name: str) -> Path:
        if not name or "/" in name or name.startswith("."):
            raise ValueError(f"part name {name!r} must be a plain folder name")
        return self.run_dir / name

    def _finished(self, name: str) -> Result | None:
        from learnlab.runs.result_files import is_finished, read_result

        path = self.part_dir(name)
        if self.resume and is_finished(path):
            self.console.print(f"{name}: finished in an earlier attempt; read from {path}")
            return read_result(path)
        return None

    def _keep(self, name: str, result: Result) -> Result:
        from learnlab.report.publish import publish

        if name in self.parts:
            raise ValueError(f"part {name!r} ran twice in one recipe run")
        self._write_config()
        publish(result, self.part_dir(name), index=False, report=False)
        self.parts[name] = result
        return result

    def part(self, name: str, run: Callable[..., Result], *args: Any, **kwargs: Any) -> Result:
        """`run(*args, **kwargs)`, written to `<run dir>/<name>/`; read back on resume."""
        done = self._finished(name)
        if done is not None:
            self.parts[name] = done
            return done
        return self._keep(name, run(*args, **kwargs))

    def train(
        self,
        name: str,
        config: TrainConfig,
        *,
        title: str | None = None,
        notes: list[str] | None = None,
        extra_callbacks: list | None = None,
        report: bool = True,
    ) -> Result:
        """A `learnlab train` run in `<run dir>/<name>/`; on resume, read back if finished, else
        continued from its checkpoint. `report=False`: no report.html of its own (its tables
        and figures still show in the parent's page)."""
        from learnlab.pipeline import train_model
        from learnlab.runs.directory import CHECKPOINT_FILE

        done = self._finished(name)
        if done is not None:
            self.parts[name] = done
            return done
        path = self.part_dir(name)
        self._write_config()  # training writes checkpoints: --resume needs the config from now
        result = train_model(
            self._inherited(config),
            path,
            resume=self.resume and (path / CHECKPOINT_FILE).is_file(),
            console=self.console,
            title=title,
            notes=notes,
            extra_callbacks=extra_callbacks,
        )
        result.report = report
        return self._keep(name, result)

    def train_here(
        self,
        config: TrainConfig,
        *,
        title: str | None = None,
        notes: list[str] | None = None,
        extra_callbacks: list | None = None,
    ) -> Result:
        """A `learnlab train` run in the recipe's own run directory (a recipe that is one
        training run); the recipe amends the Result it returns (targets, notes) and returns it.
        On resume it continues from the checkpoint there."""
        from learnlab.pipeline import train_model
        from learnlab.runs.directory import CHECKPOINT_FILE

        self._write_config()
        return train_model(
            self._inherited(config),
            self.run_dir,
            resume=self.resume and (self.run_dir / CHECKPOINT_FILE).is_file(),
            console=self.console,
            title=title,
            notes=notes,
            extra_callbacks=extra_callbacks,
            write_config=False,
        )
