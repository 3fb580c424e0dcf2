"""The doctor's output: one console line per check (rich), and doctor.html / doctor.json.

The HTML page is learnlab's report page (`learnlab.report.html.render_report`): an overview
table of the checks with their verdicts and advice, then every check's tables and figures.
"""

from __future__ import annotations

import json
from pathlib import Path

from learnlab.doctor.result import CheckResult, DoctorReport, json_ready
from learnlab.io.atomic import atomic_write_text

HTML_FILE = "doctor.html"
JSON_FILE = "doctor.json"
_STYLE = {"pass": "bold green", "warn": "bold yellow", "fail": "bold red"}


def console_line(result: CheckResult) -> str:
    """`PASS  gradients       summary  (0.4 s)` with rich markup."""
    from rich.markup import escape

    tag = f"[{_STYLE[result.status]}]{result.status.upper():4}[/]"
    return f"{tag}  {result.name:<15} {escape(result.summary)}  [dim]({result.seconds:.1f} s)[/]"


def print_report(console, report: DoctorReport, *, lines: bool = True) -> None:
    """Each check's line (unless already shown), its advice when it did not pass, and a
    closing count."""
    from rich.markup import escape

    for result in report.results:
        if lines:
            console.print(console_line(result))
    for result in report.results:
        for advice in result.advice if result.status != "pass" else []:
            console.print(f"  [dim]{result.name}:[/] {escape(advice)}")
    counts = report.counts()
    console.print(
        f"doctor: [{_STYLE[report.status]}]{report.status.upper()}[/] "
        f"({counts['pass']} passed, {counts['warn']} warnings, {counts['fail']} failed)"
    )


def _overview(report: DoctorReport) -> list[dict]:
    return [
        {
            "check": r.name,
            "status": r.status.upper(),
            "summary": r.summary,
            "what to do": " ".join(r.advice),
            "seconds": round(r.seconds, 2),
        }
        for r in report.results
    ]


def write_doctor_report(
    report: DoctorReport,
    run_dir: str | Path,
    *,
    title: str = "Model doctor",
    notes: list[str] | None = None,
    context: dict | None = None,
) -> tuple[Path, Path]:
    """Write run_dir/doctor.html and run_dir/doctor.json atomically; return their paths.

    `context` (model, data set, seed...) goes into the JSON and the page's configuration table.
    """
    from learnlab.report.html import render_report

    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    tables: dict[str, list[dict]] = {"Checks": _overview(report)}
    figures = {}
    for result in report.results:
        for name, rows in result.tables.items():
            if rows:
                tables[f"{result.name}: {name}"] = rows
        for caption, figure in result.figures.items():
            figures[f"{result.name}: {caption}"] = figure
    counts = report.counts()
    verdict = (
        f"Verdict: {report.status.upper()} ({counts['pass']} passed, {counts['warn']} "
        f"warnings, {counts['fail']} failed; exit code {report.exit_code})."
    )
    page = render_report(
        title=title,
        summary={},
        history=[],
        config=context,
        notes=[verdict, *(notes or [])],
        tables=tables,
        extra_figures=figures,
    )
    html_path, json_path = run_dir / HTML_FILE, run_dir / JSON_FILE
    atomic_write_text(html_path, page)
    document = {"title": title, "context": json_ready(context or {}), **report.to_json()}
    atomic_write_text(json_path, json.dumps(document, indent=2) + "\n")
    return html_path, json_path
