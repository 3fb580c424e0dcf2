"""The import graph of src/learnlab: layers and no cycles.

Every file is parsed with `ast`, and every import counts: top-level, lazy (inside a function)
and TYPE_CHECKING-only ones, since a lazy import is still a dependency and a lazy cycle still
ties two modules together. Two rules:

1. Layers. A module may import only from its own top-level package and from lower layers
   (LAYERS, lowest first). Two packages of one layer may not import each other.
2. No cycles: none between files, and none between the packages and modules that sit side by
   side in one package (learnlab's top-level packages, a package's subpackages).

A failure names the importing file, the line and the rule broken.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = "learnlab"

# Lowest first. A name is a top-level package or module of learnlab; packages that do not
# exist yet (deploy) hold their place.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("io", "formatting", "machine"),  # errors, atomic files, number formatting, the device
    ("config_text",),  # settings as text: TOML files and --set assignments, before validation
    ("data",),
    ("models",),
    ("objectives",),
    ("optim",),  # optimizers torch lacks; train's optimizer registry may offer them
    ("train",),
    ("scale",),  # batched ensembles, built on train's events and seeding
    ("procedures",),  # ways of training that wrap the Trainer (pre-training, distillation...)
    ("config",),  # validates names against the data, model and train registries (lazily)
    ("analysis", "metrics", "deploy"),
    ("result",),
    ("runs",),
    ("report",),
    ("pipeline",),
    ("doctor", "search", "recipes"),
    ("commands",),  # one module per subcommand
    ("cli",),  # assembles the parser from commands
    ("__main__",),
)

# Imports the layers would allow but the design does not.
FORBIDDEN: dict[tuple[str, str], str] = {
    ("search", "pipeline"): (
        "search is handed the training function (run_search(train=...), "
        "learnlab.commands.search passes learnlab.pipeline.run_training in)"
    ),
}


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name
    target: str  # dotted module name, a file of the tree
    file: str  # the importer's file, from the repository root (src/learnlab/...)
    line: int

    def where(self) -> str:
        return f"{self.file}:{self.line}"


def module_files(src: Path) -> dict[str, Path]:
    """Dotted name -> file, for every .py file under src/learnlab (a package is its __init__)."""
    files = {}
    for path in sorted((src / ROOT).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        files[".".join(parts)] = path
    return files


def _imported_names(node: ast.AST, package: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            anchor = package.split(".")
            anchor = anchor[: len(anchor) - node.level + 1]
            base = ".".join(anchor + ([base] if base else []))
        # `from a.b import c`: c may be a module (a.b.c) or a name in a.b
        return [base] + [f"{base}.{alias.name}" for alias in node.names]
    return []


def imports(src: Path) -> Iterator[Import]:
    """Every import of a learnlab module by another, lazy and TYPE_CHECKING ones included."""
    files = module_files(src)
    for module, path in files.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            seen = set()
            for name in _imported_names(node, package):
                if name != ROOT and not name.startswith(ROOT + "."):
                    continue
                target = name
                while target not in files and "." in target:
                    target = target.rpartition(".")[0]
                if target in files and target != module and target not in seen:
                    seen.add(target)
                    file = path.relative_to(src.parent).as_posix()
                    yield Import(module, target, file, node.lineno)


def _top(module: str) -> str:
    """The top-level package or module of learnlab that `module` belongs to ('' for learnlab)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer_violations(edges: list[Import]) -> list[str]:
    layer_of = {name: index for index, names in enumerate(LAYERS) for name in names}
    problems = []
    for edge in edges:
        a, b = _top(edge.importer), _top(edge.target)
        if a == b or b == "":
            continue  # within a package; or learnlab/__init__.py, which imports nothing
        if a == "":
            problems.append(
                f"{edge.where()}: {ROOT}/__init__.py imports {edge.target}: importing "
                f"{ROOT} must stay cheap, so its __init__ imports nothing of its own"
            )
            continue
        unplaced = [name for name in (a, b) if name not in layer_of]
        if unplaced:
            problems.append(
                f"{edge.where()}: {edge.importer} imports {edge.target}, but {ROOT}."
                f"{unplaced[0]} has no layer: add it to LAYERS in tests/test_architecture.py"
            )
            continue
        i, j = layer_of[a], layer_of[b]
        if j >= i:
            where = "in the same layer as" if i == j else "in a layer above"
            problems.append(
                f"{edge.where()}: {edge.importer} imports {edge.target}, but a module may "
                f"import only from its own package and lower layers, and {ROOT}.{b} is {where} "
                f"{ROOT}.{a} (LAYERS in tests/test_architecture.py)"
            )
        elif (a, b) in FORBIDDEN:
            problems.append(
                f"{edge.where()}: {edge.importer} imports {edge.target}: {ROOT}.{a} may not "
                f"import {ROOT}.{b}: {FORBIDDEN[a, b]}"
            )
    return problems


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's components of more than one node, iteratively (no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.get(successor, ())))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return components


def _a_cycle(component: list[str], graph: dict[str, set[str]]) -> list[str]:
    """One cycle through the component's first node: the shortest path back to it."""
    members, start = set(component), component[0]
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for successor in sorted(graph.get(node, ())):
                if successor == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if successor in members and successor not in previous:
                    previous[successor] = node
                    following.append(successor)
        frontier = following
    raise AssertionError("a strongly connected component holds a cycle")


def _describe_cycle(kind: str, cycle: list[str], edges: dict[tuple[str, str], Import]) -> str:
    steps = [f"{a} -> {b} ({edges[a, b].where()})" for a, b in zip(cycle, cycle[1:], strict=False)]
    return f"{kind} import cycle, which no module may be part of: " + "; ".join(steps)


def _level_node(module: str, package: str) -> str | None:
    """The child of `package` (a module or subpackage) that `module` lies in, if any."""
    prefix = package + "."
    if not module.startswith(prefix):
        return None
    return prefix + module[len(prefix) :].split(".")[0]


def cycles(edges: list[Import], files: dict[str, Path]) -> list[str]:
    problems = []
    graph: dict[str, set[str]] = {}
    first: dict[tuple[str, str], Import] = {}
    for edge in edges:
        graph.setdefault(edge.importer, set()).add(edge.target)
        first.setdefault((edge.importer, edge.target), edge)
    for component in _strongly_connected(graph):
        problems.append(_describe_cycle("file", _a_cycle(component, graph), first))
    # Between the children of each package: a child's files stand for the child.
    packages = [name for name, path in files.items() if path.name == "__init__.py"]
    for package in sorted(packages):
        level: dict[str, set[str]] = {}
        level_edges: dict[tuple[str, str], Import] = {}
        for edge in edges:
            a, b = _level_node(edge.importer, package), _level_node(edge.target, package)
            if a is None or b is None or a == b:
                continue
            level.setdefault(a, set()).add(b)
            level_edges.setdefault((a, b), edge)
        for component in _strongly_connected(level):
            if all(name in files and files[name].name != "__init__.py" for name in component):
                continue  # plain modules only: the file cycle above already says it
            cycle = _a_cycle(component, level)
            problems.append(_describe_cycle(f"package-level ({package})", cycle, level_edges))
    return problems


def architecture_problems(src: Path) -> list[str]:
    files = module_files(src)
    edges = list(imports(src))
    return layer_violations(edges) + cycles(edges, files)


def test_imports_respect_the_layers_and_form_no_cycle() -> None:
    problems = architecture_problems(SRC)
    assert not problems, "\n".join(problems)


def test_every_package_has_a_layer() -> None:
    placed = {name for names in LAYERS for name in names}
    tops = {_top(module) for module in module_files(SRC)} - {""}
    assert not tops - placed, f"add {sorted(tops - placed)} to LAYERS"


# --- The checker itself, on a tiny tree -------------------------------------------------------


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    src = tmp_path / "src"
    for name, text in files.items():
        path = src / ROOT / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return src


def test_the_check_names_a_lazy_back_edge_with_its_file_and_line(tmp_path: Path) -> None:
    src = _tree(
        tmp_path,
        {
            "__init__.py": "",
            "io/__init__.py": "",
            "data/__init__.py": "from learnlab.io import errors\n",
            "data/loader.py": "def load():\n    from learnlab.report import plots\n",
            "report/__init__.py": "",
            "report/plots.py": "from ..data import loader\n",
            "search/__init__.py": "from learnlab import pipeline\n",
            "pipeline.py": "",
        },
    )
    problems = architecture_problems(src)
    back_edge = [p for p in problems if p.startswith("src/learnlab/data/loader.py:2: ")]
    assert back_edge and "learnlab.report" in back_edge[0] and "lower layers" in back_edge[0]
    assert any(
        p.startswith("src/learnlab/search/__init__.py:1: ") and "training function" in p
        for p in problems
    )
    assert any(
        p.startswith("package-level (learnlab) import cycle")
        and "learnlab.data -> learnlab.report" in p
        for p in problems
    )


def test_the_check_finds_a_file_cycle_inside_a_package(tmp_path: Path) -> None:
    src = _tree(
        tmp_path,
        {
            "__init__.py": "",
            "models/__init__.py": "",
            "models/registry.py": "def build():\n    from learnlab.models import user\n",
            "models/user.py": "from learnlab.models.registry import build\n",
        },
    )
    [problem] = architecture_problems(src)
    assert problem.startswith("file import cycle")
    edge = "learnlab.models.registry -> learnlab.models.user (src/learnlab/models/registry.py:2)"
    assert edge in problem
