"""A `Result` as files of a run directory, and back.

    result.json           kind, title, notes, headline, index fields, the parts' names
    config.json           the resolved configuration
    summary.json          the summary scalars; written last, so its presence means "finished"
    tables.json           title -> rows
    figures.json          per figure: title, caption, drawing function (module:name), JSON data
    figures.safetensors   the figures' tensor data, keys "<figure number>/<name>"
    metrics.jsonl         the history, one JSON line per epoch (as the training loop writes it)
    outputs.safetensors   output tensors and their JSON metadata
    <name>.safetensors    trained weights (learnlab.io.weights)
    <part>/               each part, a run directory of its own

Every file is written atomically; a file that an earlier, unfinished attempt left and this
result does not have is removed, so the directory holds exactly this result.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from learnlab.io.errors import DataError
from learnlab.io.weights import save_model
from learnlab.result import DRAW_MODULE_PREFIX, FigureSpec, Result, SavedModel
from learnlab.runs.directory import (
    CONFIG_FILE,
    METRICS_FILE,
    OUTPUTS_FILE,
    SUMMARY_FILE,
    TABLES_FILE,
    load_outputs,
    read_history,
    read_json,
    read_json_object,
    save_outputs,
    write_json,
)
from learnlab.runs.metric_names import with_current_names

RESULT_FILE = "result.json"
FIGURES_FILE = "figures.json"
FIGURE_TENSORS_FILE = "figures.safetensors"
TENSOR_REF = "$tensor"  # {"$tensor": key} in figures.json: the value is in figures.safetensors


def _is_tensor(value: Any) -> bool:
    return hasattr(value, "shape") and hasattr(value, "dtype") and not isinstance(value, str)


def _split_figure_data(figures: list[FigureSpec]) -> tuple[list[dict], dict[str, Any]]:
    """figures.json entries and the tensors that go to figures.safetensors."""
    import torch

    entries, tensors = [], {}
    for number, spec in enumerate(figures):
        data = {}
        for key, value in spec.data.items():
            if _is_tensor(value):
                name = f"{number}/{key}"
                tensors[name] = torch.as_tensor(value).detach().cpu().contiguous()
                data[key] = {TENSOR_REF: name}
            else:
                data[key] = value
        entries.append(
            {"title": spec.title, "caption": spec.caption, "draw": spec.draw_name, "data": data}
        )
    return entries, tensors


def _write_or_remove(path: Path, data: Any, present: bool) -> None:
    if present:
        write_json(path, data)
    else:
        path.unlink(missing_ok=True)


def write_result_files(result: Result, run_dir: str | Path, *, finish: bool = True) -> Path:
    """Write `result` (and its parts, into subdirectories) to `run_dir`; return `run_dir`.
    `finish=False` leaves out summary.json, which marks the run finished: the caller writes it
    with `write_summary` once the rest (its report) is there."""
    from safetensors.torch import save

    from learnlab.io.atomic import atomic_write_bytes

    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / SUMMARY_FILE).unlink(missing_ok=True)  # not finished until written again
    # the weights first: an error in anything below must not cost the trained model
    for stem, saved in result.models.items():
        save_model(run_dir / f"{stem}.safetensors", saved.module, dict(saved.info))
    for name, part in result.parts.items():
        if not is_finished(run_dir / name):  # a part already written as it finished is kept
            write_result_files(part, run_dir / name)
    write_json(run_dir / CONFIG_FILE, result.config)
    _write_or_remove(run_dir / TABLES_FILE, result.tables, bool(result.tables))
    entries, tensors = _split_figure_data(result.figures)
    _write_or_remove(run_dir / FIGURES_FILE, entries, bool(entries))
    if tensors:
        atomic_write_bytes(run_dir / FIGURE_TENSORS_FILE, save(tensors))
    else:
        (run_dir / FIGURE_TENSORS_FILE).unlink(missing_ok=True)
    if result.history:  # the same lines the training loop's MetricsLog writes
        text = "".join(json.dumps(record) + "\n" for record in result.history)
        atomic_write_bytes(run_dir / METRICS_FILE, text.encode("utf-8"))
    else:
        (run_dir / METRICS_FILE).unlink(missing_ok=True)
    if result.outputs or result.outputs_info:
        save_outputs(run_dir, result.outputs, result.outputs_info)
    write_json(
        run_dir / RESULT_FILE,
        {
            "kind": result.kind,
            "title": result.title,
            "notes": list(result.notes),
            "headline": result.headline,
            "index": result.index,
            "models": sorted(result.models),
            "outputs": bool(result.outputs or result.outputs_info),
            "parts": list(result.parts),
            "report": result.report,
        },
    )
    if finish:
        write_summary(result, run_dir)
    return run_dir


def write_summary(result: Result, run_dir: str | Path) -> None:
    """summary.json, the file that says the run in `run_dir` is finished: written last."""
    write_json(Path(run_dir) / SUMMARY_FILE, result.summary)


def is_finished(run_dir: str | Path) -> bool:
    """Whether `run_dir` holds a finished result (its summary.json is written last)."""
    return (Path(run_dir) / SUMMARY_FILE).is_file() and (Path(run_dir) / RESULT_FILE).is_file()


def read_figures(run_dir: str | Path) -> list[dict[str, Any]]:
    """figures.json of `run_dir` with tensor references replaced by the tensors."""
    from learnlab.io.safe_load import read_safetensors

    run_dir = Path(run_dir)
    path = run_dir / FIGURES_FILE
    if not path.is_file():
        return []
    entries = read_json(path)
    tensor_path = run_dir / FIGURE_TENSORS_FILE
    tensors = read_safetensors(tensor_path, what="figure data")[0] if tensor_path.is_file() else {}
    if not isinstance(entries, list):
        raise DataError(f"{path} must hold a list of figures; the file is damaged.")
    for entry in entries:
        for key, value in list(entry.get("data", {}).items()):
            if isinstance(value, dict) and set(value) == {TENSOR_REF}:
                if value[TENSOR_REF] not in tensors:
                    raise DataError(
                        f"{path}: figure {entry.get('title')!r} needs tensor "
                        f"{value[TENSOR_REF]!r}, which {tensor_path} lacks; the run is damaged."
                    )
                entry["data"][key] = tensors[value[TENSOR_REF]]
    return entries


def drawing_function(name: str, where: Path):
    """The function `module:qualname` names; only learnlab's own modules are imported."""
    module_name, _, attribute = str(name).partition(":")
    if not module_name.startswith(DRAW_MODULE_PREFIX) or not attribute or "." in attribute:
        raise DataError(
            f"{where} names the drawing function {name!r}; only module-level functions of "
            f"{DRAW_MODULE_PREFIX[:-1]} are drawn. The file is damaged or not learnlab's."
        )
    try:
        function = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError):
        raise DataError(
            f"{where} names the drawing function {name!r}, which this learnlab does not have "
            "(the run was made by another version). Rerun it with this version."
        ) from None
    return function


def read_result(run_dir: str | Path) -> Result:
    """The Result a finished run directory holds (weights are not loaded: `models` is empty).

    Figures come back with their drawing functions, so the Result can be written again."""
    run_dir = Path(run_dir)
    if not is_finished(run_dir):
        raise DataError(
            f"{run_dir} holds no finished result (no {RESULT_FILE} and {SUMMARY_FILE}); "
            "it did not finish. Run it again, or resume it."
        )
    info = read_json_object(run_dir / RESULT_FILE)
    figures = [
        FigureSpec(
            entry["title"],
            drawing_function(entry["draw"], run_dir / FIGURES_FILE),
            entry.get("data", {}),
            entry.get("caption", ""),
        )
        for entry in read_figures(run_dir)
    ]
    outputs, outputs_info = (
        load_outputs(run_dir) if (run_dir / OUTPUTS_FILE).is_file() else ({}, {})
    )
    tables_path = run_dir / TABLES_FILE
    metrics_path = run_dir / METRICS_FILE
    return Result(
        kind=info.get("kind", ""),
        title=info.get("title", ""),
        summary=with_current_names(read_json_object(run_dir / SUMMARY_FILE)),
        notes=list(info.get("notes", [])),
        tables=read_json(tables_path) if tables_path.is_file() else {},
        figures=figures,
        history=read_history(metrics_path) if metrics_path.is_file() else [],
        config=read_json_object(run_dir / CONFIG_FILE),
        outputs=outputs,
        outputs_info=outputs_info,
        index=dict(info.get("index", {})),
        headline=info.get("headline", ""),
        parts={name: read_result(run_dir / name) for name in info.get("parts", [])},
        report=bool(info.get("report", True)),
    )


__all__ = [
    "FIGURES_FILE",
    "FIGURE_TENSORS_FILE",
    "RESULT_FILE",
    "SavedModel",
    "drawing_function",
    "is_finished",
    "read_figures",
    "read_result",
    "write_result_files",
    "write_summary",
]
