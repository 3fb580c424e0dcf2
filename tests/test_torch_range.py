"""learnlab installs beside the user's torch: pyproject.toml declares a range of torch releases,
constraints.txt pins the one the README's set-up installs, and the two cannot drift apart: the
pin lies in the range, both ends of the range were run (benchmarks/torch_versions.py wrote
their results), and the README states the same range."""

from __future__ import annotations

import json
from pathlib import Path

import tomllib
from packaging.requirements import Requirement
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]


def torch_requirement() -> Requirement:
    return Requirement(torch_dependency())


def torch_dependency() -> str:
    """pyproject.toml's torch requirement, as written there."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    (text,) = [r for r in project["dependencies"] if Requirement(r).name == "torch"]
    return text


def pinned_torch() -> Version:
    lines = (REPO / "constraints.txt").read_text().splitlines()
    (line,) = [x for x in lines if x.strip() and not x.startswith("#") and "torch" in x]
    (spec,) = Requirement(line).specifier
    assert spec.operator == "==", f"constraints.txt must pin torch exactly, not {line!r}"
    return Version(spec.version)


def lower_bound(req: Requirement) -> Version:
    (spec,) = [s for s in req.specifier if s.operator == ">="]
    return Version(spec.version)


def test_pyproject_declares_a_range_that_admits_the_pin():
    req = torch_requirement()
    assert not any(s.operator in ("==", "===", "~=") for s in req.specifier), (
        f"pyproject.toml pins torch ({req}): pip would replace a user's torch; declare a range"
    )
    assert req.specifier.contains(pinned_torch())
    assert lower_bound(req) < pinned_torch()


def test_both_ends_of_the_range_passed_the_suite():
    results = json.loads((REPO / "benchmarks/results/torch_versions.json").read_text())["results"]
    passed = {
        Version(e["torch"].split("+")[0])
        for e in results.values()
        if e["exit_code"] == 0 and e["tests"] == "the default suite"
    }
    req = torch_requirement()
    assert lower_bound(req) in passed, "run benchmarks/torch_versions.py with the lowest version"
    assert pinned_torch() in passed
    assert all(req.specifier.contains(v) for v in passed)


def test_readme_states_the_range_and_the_pin():
    readme = (REPO / "README.md").read_text()
    assert f"`{torch_dependency()}`" in readme
    assert str(pinned_torch()) in readme
