"""Recipes: named, configurable experiments, one file each, run by `learnlab run NAME`."""

from learnlab.recipes.registry import Recipe, get_recipe, recipe_names, register_recipe

__all__ = ["Recipe", "get_recipe", "recipe_names", "register_recipe"]
