"""Sizes the code keeps to (DESIGN.md: one idea per file): no module of src/learnlab over 400
lines, and no function of a recipe over 60 lines (a recipe's run reads top to bottom:
configure, train, analyse, return the result; the steps live in functions of their own)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "learnlab"
MAX_MODULE_LINES = 400
MAX_RECIPE_FUNCTION_LINES = 60


def test_no_module_is_over_400_lines():
    long = {
        str(path.relative_to(SRC)): n
        for path in SRC.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"split these modules (lines): {long}"


def test_no_recipe_function_is_over_60_lines():
    long = {}
    for path in (SRC / "recipes").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_RECIPE_FUNCTION_LINES:
                    long[f"{path.relative_to(SRC)}:{node.lineno} {node.name}"] = lines
    assert not long, f"split these functions (lines): {long}"
