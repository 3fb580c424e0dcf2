"""The HTML report: self-contained, escaped, well formed, and written atomically."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import torch

from learnlab.formatting import format_metric, format_value
from learnlab.io.errors import DataError
from learnlab.report.html import render_report, write_page
from learnlab.report.plots import training_curves_figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
VOID_TAGS = {"meta", "img", "br", "hr", "link"}
EVIL = "<script>alert(1)</script>"


class TagChecker(HTMLParser):
    """Records tags, image sources and text; fails on any unbalanced or misnested tag."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.images: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "img":
            self.images.append(dict(attrs)["src"])
        if tag not in VOID_TAGS:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(page: str) -> TagChecker:
    checker = TagChecker()
    checker.feed(page)
    checker.close()
    assert checker.stack == [], f"unclosed tags: {checker.stack}"
    return checker


def history(epochs: int = 4) -> list[dict[str, float]]:
    return [
        {"epoch": e, "train_loss": 1 / e, "val_loss": 1.1 / e, "val_accuracy": 0.5 + e / 10}
        for e in range(1, epochs + 1)
    ]


def full_report(run_dir: Path, title: str = f"MLP on MNIST {EVIL}") -> Path:
    confusion = torch.tensor([[50, 2, 0], [3, 40, 0], [1, 4, 0]])  # class 2 never predicted
    return write_page(
        run_dir,
        render_report(
            title=title,
            summary={"test_accuracy": 0.98123, "test_loss": 0.0712, "train_seconds": 12.3456},
            history=history(),
            config={"model": {"name": "mlp", "hidden": [512, 512]}, "seed": 0},
            confusion=confusion,
            class_names=["zero", "one", EVIL],
            notes=["First note & <b>not bold</b>"],
            extra_figures={"Extra curves": training_curves_figure(history(2))},
            tables={"Paper vs ours": [{"quantity": "test error %", "paper": 1.6, "ours": 1.71}]},
        ),
    )


def small_report(run_dir: Path, title: str) -> Path:
    """A report without figures: fast, for the file-handling tests."""
    return write_page(
        run_dir, render_report(title=title, summary={"test_accuracy": 0.5}, history=[])
    )


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    """The full report, rendered once for the tests that only read it (figures take ~1 s)."""
    run_dir = tmp_path_factory.mktemp("run")
    path = full_report(run_dir)
    assert path == run_dir / "report.html"
    return path.read_text(encoding="utf-8")


def test_report_is_well_formed_and_has_every_section(page: str) -> None:
    checker = parse(page)
    assert page.startswith("<!DOCTYPE html>")
    for section in ("metrics", "curves", "confusion", "tables", "figures", "config"):
        assert f'<section id="{section}">' in page
    text = " ".join(checker.text)
    assert "98.12%" in text and "12.3 s" in text and "0.0712" in text
    assert "Paper vs ours" in text and "1.71" in text and "test error %" in text
    assert "model.name" in text and "model.hidden" in text and "[512, 512]" in text
    # per-class table: class 2 is never predicted, so its precision and F1 are 0 (shown as
    # every fraction is: percent with 2 decimals)
    assert re.search(
        r"<td>&lt;script&gt;alert\(1\)&lt;/script&gt;</td>"
        r'<td class="num">0\.00%</td>',
        page,
    )
    assert "macro average" in text


def test_report_embeds_png_images_and_no_external_resources(page: str) -> None:
    images = parse(page).images
    assert len(images) == 3  # training curves, confusion matrix, extra figure
    for src in images:
        prefix = "data:image/png;base64,"
        assert src.startswith(prefix)
        assert base64.b64decode(src[len(prefix) :], validate=True).startswith(PNG_SIGNATURE)
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert "<link" not in page and "@import" not in page


def test_report_escapes_caller_text(page: str) -> None:
    checker = parse(page)
    assert "script" not in checker.tags and "b" not in checker.tags
    assert "&lt;script&gt;" in page and "&lt;b&gt;not bold&lt;/b&gt;" in page
    assert "First note &amp;" in page
    assert "<title>MLP on MNIST &lt;script&gt;" in page


def test_report_leaves_no_temporary_files(tmp_path: Path) -> None:
    small_report(tmp_path, "first")
    small_report(tmp_path, "second")  # overwriting too
    assert os.listdir(tmp_path) == ["report.html"]


def test_failed_write_keeps_the_previous_report(tmp_path: Path, monkeypatch) -> None:
    before = small_report(tmp_path, "first").read_bytes()
    assert b"first" in before

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        small_report(tmp_path, "second")
    assert (tmp_path / "report.html").read_bytes() == before
    assert os.listdir(tmp_path) == ["report.html"]


def test_minimal_report_without_history_or_confusion(tmp_path: Path) -> None:
    path = write_page(tmp_path / "new" / "run", render_report(title="t", summary={}, history=[]))
    page = path.read_text(encoding="utf-8")
    checker = parse(page)
    assert checker.images == [] and "<section" not in page


def test_bad_table_is_rejected_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="'rows' must be a list of dicts"):
        write_page(
            tmp_path, render_report(title="t", summary={}, history=[], tables={"rows": {"a": 1}})
        )
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("test_accuracy", 0.98123, "98.12%"),
        ("val_acc", torch.tensor(0.5), "50.00%"),
        ("accuracy_percent", 98.1, "98.1"),  # not a fraction: left as a number
        ("test_error_percent", 0.93, "0.93"),  # percent already, though below 1
        ("train_seconds", 3.14159, "3.1 s"),  # every duration: 1 decimal
        ("train_seconds", 0.0632, "0.1 s"),
        ("fit_time", 1234.56, "1,234.6 s"),
        ("test_loss", 0.0712345, "0.07123"),  # losses: 4 significant digits
        ("test_aurc", 0.000412345, "0.0004123"),
        ("test_ece", 0.0435993, "0.0436"),
        # every fraction of examples or score in [0, 1] alike: percent with 2 decimals
        ("test_macro_f1", 0.9528341, "95.28%"),
        ("test_macro_precision", 0.95509, "95.51%"),
        ("test_macro_auc", 0.998023, "99.80%"),
        ("macro AP", 0.98761, "98.76%"),
        ("model coverage given", 0.5, "50.00%"),
        ("val_error", 0.5625, "56.25%"),
        ("fit_a", 38798504.09, "3.88e+07"),
        ("parameters", 669706, "669,706"),
        ("lr", 1e-5, "1e-05"),
        ("loss", float("nan"), "nan"),
        ("converged", True, "True"),
    ],
)
def test_format_metric(key: str, value: object, expected: str) -> None:
    assert format_metric(key, value) == expected


def test_format_value_lists_and_none() -> None:
    assert format_value([1, 2.5, "a"]) == "[1, 2.5, a]"
    assert format_value(list(range(30))).endswith("\u2026 (30 items)]")
    assert format_value(None) == "\u2014"


def test_importing_the_report_module_is_cheap() -> None:
    code = (
        "import sys, learnlab.report.html; "
        "heavy = [m for m in ('torch', 'matplotlib', 'numpy') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
