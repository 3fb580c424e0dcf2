"""The registries list exactly what is on disk.

The rule, for recipes and models alike: a module registers (calls `register_recipe` /
`register_model`) if and only if the registry lists it (RECIPE_MODULES / BUILTIN_FAMILIES).
A recipe package registers in its `__init__.py`; its other modules, and the helpers beside
the recipes (registry, runner, context, paper, reproduce, targets...), register nothing and
are not listed. So a new recipe or model family that is not listed, a listed module that was
removed or renamed, and a helper listed by mistake all fail here.
"""

from __future__ import annotations

import ast
from pathlib import Path

from learnlab.models import registry as model_registry
from learnlab.recipes.registry import RECIPE_MODULES

SRC = Path(__file__).resolve().parents[1] / "src"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules_calling(package: str, function: str) -> set[str]:
    """The modules of `package` (files under it, a subpackage by its __init__) whose code
    calls `function` (as a decorator or plainly), found by parsing, not importing."""
    found = set()
    for path in sorted((SRC / package.replace(".", "/")).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Call):
                called = node.func
                name = called.attr if isinstance(called, ast.Attribute) else None
                name = called.id if isinstance(called, ast.Name) else name
                if name == function:
                    found.add(_module_name(path))
                    break
    return found


def module_exists(name: str) -> bool:
    path = SRC / name.replace(".", "/")
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def test_recipe_modules_are_exactly_the_modules_that_register_recipes() -> None:
    registering = modules_calling("learnlab.recipes", "register_recipe")
    registering.discard("learnlab.recipes.registry")  # the definition's own module
    listed = set(RECIPE_MODULES)
    assert len(listed) == len(RECIPE_MODULES), "RECIPE_MODULES lists a module twice"
    missing_on_disk = sorted(name for name in listed if not module_exists(name))
    assert not missing_on_disk, f"RECIPE_MODULES lists modules that do not exist: {missing_on_disk}"
    assert not registering - listed, (
        f"{sorted(registering - listed)} register recipes but are not in RECIPE_MODULES "
        "(src/learnlab/recipes/registry.py); a recipe package registers in its __init__.py"
    )
    assert not listed - registering, (
        f"{sorted(listed - registering)} are in RECIPE_MODULES but register no recipe"
    )


def test_every_recipe_module_registers_when_imported() -> None:
    from learnlab.recipes import get_recipe, recipe_names

    modules = {get_recipe(name).run.__module__ for name in recipe_names()}
    # a recipe's run is defined where it is registered (a package's in its __init__.py)
    assert modules == set(RECIPE_MODULES)


def test_model_families_are_exactly_the_model_files_that_register_models() -> None:
    registering = modules_calling("learnlab.models", "register_model")
    registering.discard("learnlab.models.registry")
    families = set(model_registry.BUILTIN_FAMILIES)
    assert len(families) == len(model_registry.BUILTIN_FAMILIES), "a family is listed twice"
    missing_on_disk = sorted(name for name in families if not module_exists(name))
    assert not missing_on_disk, f"BUILTIN_FAMILIES lists missing modules: {missing_on_disk}"
    assert not registering - families, (
        f"{sorted(registering - families)} register models but are not in BUILTIN_FAMILIES "
        "(src/learnlab/models/registry.py)"
    )
    assert not families - registering, f"{sorted(families - registering)} register no model"


def test_every_registered_model_comes_from_a_listed_family() -> None:
    names = model_registry.model_names()
    modules = {model_registry._entry(name).factory.__module__ for name in names}
    assert modules == set(model_registry.BUILTIN_FAMILIES)
