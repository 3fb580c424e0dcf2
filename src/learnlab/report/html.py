"""The run report: one self-contained HTML page with a run's metrics, figures and configuration.

The page needs nothing but a browser: CSS is inline, figures are PNG images embedded as base64
`data:` URLs, there is no JavaScript and no external resource. Every piece of text that comes
from the caller (title, notes, keys, values, class names) goes through `html.escape`. The file
is written atomically (temporary file, fsync, `os.replace`), so an existing report survives a
failed write.

Sections, each present only when its input is: title and notes; the summary; training curves
(with the loss at every step where given); confusion matrix with per-class precision, recall
and F1 and their macro average; extra tables (e.g. paper vs ours); extra figures; the
configuration, nested keys flattened with dots. Every number in a table is shown in the one
format of its kind, chosen from its key or column name (`learnlab.formatting.format_metric`:
fractions such as accuracy and F1 as % with 2 decimals, durations in seconds with 1 decimal,
losses with 4 significant digits). Each is a `Section` (built by
`metrics_section`, `curves_section`, ...); `render_page` joins any list of sections, which is
how `learnlab.report.run_report` composes a run's page from its files; `write_page` writes a
page atomically.

Example:
    >>> import tempfile
    >>> page = render_report(title="MLP on MNIST", summary={"test_accuracy": 0.981},
    ...                      history=[{"epoch": 1, "train_loss": 0.3, "val_loss": 0.2}])
    >>> write_page(Path(tempfile.mkdtemp()), page).name
    'report.html'
"""

from __future__ import annotations

import base64
import html
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from learnlab import __version__
from learnlab.formatting import _plain, flatten, format_metric, format_number
from learnlab.io.atomic import atomic_write_bytes
from learnlab.io.errors import DataError

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.figure import Figure
    from torch import Tensor

REPORT_NAME = "report.html"
# Figures are rasterised at twice the resolution they are displayed at, for sharp text on
# high-density screens; at 100 CSS px per figure inch a 9.6-inch figure fills the page.
_DISPLAY_DPI = 100
_RENDER_DPI = 2 * _DISPLAY_DPI

_CSS = """
body { margin: 0; background: #fff; color: #1f2328; line-height: 1.5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 960px; margin: 0 auto; padding: 24px 16px 48px; }
h1 { font-size: 1.7rem; margin: 0 0 0.4rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.6rem; padding-bottom: 0.2rem;
  border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 0.4rem; }
ul.notes { color: #57606a; margin: 0.2rem 0; padding-left: 1.2rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.4rem 0 1rem; font-size: 0.92rem; }
th, td { border: 1px solid #d0d7de; padding: 3px 10px; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; }
tfoot td { background: #f6f8fa; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.88em; }
figure { margin: 0.4rem 0 1rem; }
img { max-width: 100%; height: auto; }
figcaption { color: #57606a; font-size: 0.9rem; }
footer { margin-top: 3rem; color: #8c959f; font-size: 0.85rem; }
p.answer { font-size: 1.15rem; margin: 0.4rem 0; }
p.verdict { padding: 6px 12px; border-left: 4px solid; border-radius: 2px; }
p.verdict.worse { border-color: #cf222e; background: #fff1f0; }
p.verdict.better { border-color: #1a7f37; background: #f0fff4; }
p.verdict.tie { border-color: #9a6700; background: #fff8e5; }
"""


# ---- HTML pieces ---------------------------------------------------------------------------


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


Cell = tuple[str, str]  # (text, kind): kind "num" right-aligns, "code" sets in monospace


def _cell(cell: Cell) -> str:
    text, kind = cell
    if kind == "num":
        return f'<td class="num">{_e(text)}</td>'
    if kind == "code":
        return f"<td><code>{_e(text)}</code></td>"
    return f"<td>{_e(text)}</td>"


def _kind(value: Any) -> str:
    value = _plain(value)
    return "num" if isinstance(value, (int, float)) and not isinstance(value, bool) else "text"


def _table(header: list[str], rows: list[list[Cell]], foot: list[Cell] | None = None) -> str:
    """An HTML table; all text is escaped here."""
    parts = ['<div class="table-wrap"><table>', "<thead><tr>"]
    parts += [f"<th>{_e(h)}</th>" for h in header]
    parts.append("</tr></thead><tbody>")
    for row in rows:
        parts.append("<tr>" + "".join(_cell(c) for c in row) + "</tr>")
    parts.append("</tbody>")
    if foot:
        parts.append("<tfoot><tr>" + "".join(_cell(c) for c in foot) + "</tr></tfoot>")
    parts.append("</table></div>")
    return "".join(parts)


def _key_value_table(items: dict[str, Any]) -> str:
    rows = [
        [(key, "code"), (format_metric(key, value), _kind(value))] for key, value in items.items()
    ]
    return _table(["name", "value"], rows)


def _png_size(png: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk follows the signature
    return width, height


def _figure_html(fig: Figure, caption: str) -> str:
    from learnlab.report.plots import figure_to_png_bytes

    png = figure_to_png_bytes(fig, dpi=_RENDER_DPI)
    width, height = _png_size(png)
    scale = _DISPLAY_DPI / _RENDER_DPI
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{_e(caption)}" '
        f'width="{round(width * scale)}" height="{round(height * scale)}">'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _confusion_body(confusion: np.ndarray | Tensor, class_names: list[str] | None) -> str:
    import torch

    from learnlab.metrics.scores import macro_scores, per_class_scores
    from learnlab.report.plots import MAX_ANNOTATED_CLASSES, confusion_matrix_figure

    counts = torch.as_tensor(confusion).detach().cpu()
    figure = confusion_matrix_figure(counts, class_names=class_names, normalize=True)
    names = class_names if class_names is not None else [str(i) for i in range(len(counts))]
    scores = per_class_scores(counts)
    macro = macro_scores(counts)
    total = int(scores["support"].sum())
    correct = float(counts.double().diagonal().sum())

    rows = [
        [(str(name), "text")]
        + [(format_metric(s, float(scores[s][i])), "num") for s in ("precision", "recall", "f1")]
        + [(format_number(int(scores["support"][i])), "num")]
        for i, name in enumerate(names)
    ]
    foot = [("macro average", "text")]
    foot += [(format_metric(s, macro[f"macro_{s}"]), "num") for s in ("precision", "recall", "f1")]
    foot += [(format_number(total), "num")]
    accuracy = format_metric("accuracy", correct / total) if total else "\u2014"
    caption = "Rows: true class; columns: predicted class; colour: fraction of the row"
    caption += "; cells: counts." if len(names) <= MAX_ANNOTATED_CLASSES else "."
    return (
        _figure_html(figure, caption)
        + "<h3>Per-class scores</h3>"
        + _table(["class", "precision", "recall", "F1", "support"], rows, foot)
        + f"<p>Accuracy from the confusion matrix: {_e(accuracy)} of {_e(format_number(total))}"
        " examples. Scores of a class that is never predicted (or never present) count as 0.</p>"
    )


def rows_table_html(rows: list[dict[str, object]], name: str = "table") -> str:
    """A list of row dicts as an HTML table (columns: the union of the keys, in order); each
    number is formatted by its column's name (`format_metric`: a column `accuracy` in %)."""
    if not isinstance(rows, (list, tuple)) or not all(isinstance(r, Mapping) for r in rows):
        raise DataError(f"table {name!r} must be a list of dicts (one per row), got {type(rows)}")
    columns: list[str] = []
    for row in rows:
        columns += [str(k) for k in row if str(k) not in columns]
    rows = [{str(k): v for k, v in row.items()} for row in rows]
    cells = [[(format_metric(c, r.get(c, "")), _kind(r.get(c))) for c in columns] for r in rows]
    return _table(columns, cells)


def _rows_table(name: str, rows: list[dict[str, object]]) -> str:
    return f"<h3>{_e(name)}</h3>" + rows_table_html(rows, name)


# ---- sections ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One `<section>` of a report: `anchor` (its id), `heading` (its h2) and `body`, HTML that
    is already escaped (build it with the functions of this module)."""

    anchor: str
    heading: str
    body: str

    def html(self) -> str:
        return f'<section id="{_e(self.anchor)}"><h2>{_e(self.heading)}</h2>{self.body}</section>'


def figure_html(fig: Figure, caption: str) -> str:
    """A matplotlib figure as an embedded PNG `<figure>` with its caption."""
    return _figure_html(fig, caption)


def metrics_section(summary: Mapping[str, Any]) -> Section | None:
    if not summary:
        return None
    return Section("metrics", "Summary", _key_value_table(flatten(summary)))


def curves_section(
    history: list[dict[str, float]],
    step_losses: list[float] | None = None,
    steps_per_epoch: int = 1,
) -> Section | None:
    """The per-epoch curves; with `step_losses`, the training loss after every step beside
    them in the loss panel, on the same axis in epochs."""
    if not history:
        return None
    from learnlab.report.plots import training_curves_figure

    caption = f"Training curves over {len(history)} epoch{'s' if len(history) != 1 else ''}."
    if step_losses:
        caption += (
            f" Loss panel: the training loss after each of the {len(step_losses):,} optimizer"
            f" steps ({steps_per_epoch:,} an epoch; grey) and its moving average; each epoch's"
            " train_loss is the mean over its steps, drawn at the epoch's end."
        )
    figure = training_curves_figure(history, step_losses, steps_per_epoch)
    return Section("curves", "Training curves", _figure_html(figure, caption))


def confusion_section(
    confusion: np.ndarray | Tensor | None, class_names: list[str] | None
) -> Section | None:
    if confusion is None:
        return None
    return Section("confusion", "Confusion matrix", _confusion_body(confusion, class_names))


def tables_section(tables: Mapping[str, list[dict[str, object]]] | None) -> Section | None:
    if not tables:
        return None
    return Section("tables", "Tables", "".join(_rows_table(str(n), r) for n, r in tables.items()))


def figures_section(figures: Mapping[str, Figure] | None) -> Section | None:
    if not figures:
        return None
    body = "".join(f"<h3>{_e(n)}</h3>" + _figure_html(f, str(n)) for n, f in figures.items())
    return Section("figures", "Figures", body)


def config_section(config: Any) -> Section | None:
    if config is None:
        return None
    if hasattr(config, "model_dump"):  # a pydantic configuration model
        config = config.model_dump()
    return Section("config", "Configuration", _key_value_table(flatten(config)))


# ---- the report ------------------------------------------------------------------------------


def render_page(title: str, notes: list[str] | None, sections: list[Section | None]) -> str:
    """The report page: title and notes, then the sections in order (None ones skipped)."""
    body = [f"<header><h1>{_e(title)}</h1>"]
    if notes:
        body.append('<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>")
    body.append("</header>")
    body += [section.html() for section in sections if section is not None]
    body.append(f"<footer>Made by learnlab {_e(__version__)}.</footer>")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        "<body>\n<main>\n" + "\n".join(body) + "\n</main>\n</body>\n</html>\n"
    )


def write_page(run_dir: Path, page: str) -> Path:
    """Write `page` to `run_dir/report.html` atomically and return the path."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / REPORT_NAME
    atomic_write_bytes(path, page.encode("utf-8"))
    return path


def render_report(
    *,
    title: str,
    summary: dict[str, object],
    history: list[dict[str, float]],
    config: dict | None = None,
    confusion: np.ndarray | Tensor | None = None,
    class_names: list[str] | None = None,
    notes: list[str] | None = None,
    extra_figures: dict[str, Figure] | None = None,
    tables: dict[str, list[dict[str, object]]] | None = None,
) -> str:
    """A page from values in memory: what the tools whose pages are not runs (the model
    doctor, a hyperparameter search) show. A run's report is drawn from its files instead
    (`learnlab.report.run_report`). `summary` holds the metrics (keys with `accuracy` and a
    value in [0, 1] are shown as %, keys with `seconds`/`time` as durations); `history` one
    dict per epoch (may be empty); `tables` maps a title to a list of row dicts (columns: the
    union of the keys, in order)."""
    sections = [
        metrics_section(summary),
        curves_section(history),
        confusion_section(confusion, class_names),
        tables_section(tables),
        figures_section(extra_figures),
        config_section(config),
    ]
    return render_page(title, notes, sections)
