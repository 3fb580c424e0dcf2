"""Models from the user's own file, "path/to/file.py:factory", and the errors around them."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
import torch
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.models import build_model
from learnlab.models.user_factory import load_user_factory

FACTORIES = """
import math

import torch
from torch import nn


def make(input_shape, num_outputs, hidden=8):
    return nn.Sequential(
        nn.Flatten(), nn.Linear(math.prod(input_shape), hidden), nn.ReLU(),
        nn.Linear(hidden, num_outputs),
    )


def fixed():
    return nn.Linear(4, 2)


def only_outputs(num_outputs, **options):
    model = nn.Linear(3, num_outputs)
    model.options = options
    return model


def needs_depth(input_shape, num_outputs, depth):
    return nn.Linear(1, 1)


def not_a_module(input_shape, num_outputs):
    return torch.zeros(3)


def broken(input_shape, num_outputs):
    return nn.Linear(1, 1, bais=False)


NOT_CALLABLE = 3
"""


def write(folder: Path, name: str, source: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(source))
    return path


@pytest.fixture
def factories(tmp_path) -> Path:
    return write(tmp_path, "my_models.py", FACTORIES)


def test_factory_with_shape_and_options(factories):
    model = build_model(f"{factories}:make", (1, 4, 4), 3, hidden=5)
    assert model[1].in_features == 16 and model[1].out_features == 5
    assert model(torch.zeros(2, 1, 4, 4)).shape == (2, 3)


def test_factory_without_shape_arguments(factories):
    model = build_model(f"{factories}:fixed", (1, 28, 28), 10)
    assert isinstance(model, nn.Linear) and model.out_features == 2


def test_factory_with_var_keyword_gets_everything_it_accepts(factories):
    model = build_model(f"{factories}:only_outputs", (3,), 6, anything="goes")
    assert model.out_features == 6
    # input_shape is passed too, because **options accepts it.
    assert model.options == {"input_shape": (3,), "anything": "goes"}


def test_load_user_factory_returns_the_function(factories):
    factory = load_user_factory(f"{factories}:make")
    assert callable(factory) and factory.__name__ == "make"
    assert isinstance(factory((2,), 1), nn.Module)


def test_relative_path_from_the_current_directory(factories, monkeypatch):
    monkeypatch.chdir(factories.parent)
    model = build_model("my_models.py:make", (4,), 2)
    assert model(torch.zeros(1, 4)).shape == (1, 2)


def test_sys_path_and_modules_are_left_clean(factories):
    path_before = list(sys.path)
    first = load_user_factory(f"{factories}:make")
    second = load_user_factory(f"{factories}:make")
    assert sys.path == path_before
    # Each load is a fresh module under its own name: an edited file is read again.
    assert first.__module__ != second.__module__
    assert first.__module__ in sys.modules


def test_same_file_name_in_two_folders_do_not_collide(tmp_path):
    specs = []
    for folder, width in [("a", 1), ("b", 7)]:
        (tmp_path / folder).mkdir()
        source = f"from torch import nn\ndef make():\n    return nn.Linear(1, {width})\n"
        specs.append(f"{write(tmp_path / folder, 'model.py', source)}:make")
    assert build_model(specs[0], (1,), 1).out_features == 1
    assert build_model(specs[1], (1,), 1).out_features == 7


def test_file_may_import_its_neighbours(tmp_path):
    write(tmp_path, "blocks_for_test_models.py", "from torch import nn\nWIDTH = 11\n")
    path = write(
        tmp_path,
        "net.py",
        "from torch import nn\nfrom blocks_for_test_models import WIDTH\n"
        "def make(num_outputs):\n    return nn.Linear(WIDTH, num_outputs)\n",
    )
    before = list(sys.path)
    assert build_model(f"{path}:make", (11,), 2).in_features == 11
    assert sys.path == before


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        build_model(f"{tmp_path / 'nope.py'}:make", (1,), 1)


def test_not_a_python_file(tmp_path):
    path = write(tmp_path, "model.txt", "x = 1\n")
    with pytest.raises(ConfigError, match=r"must be a Python file ending in \.py"):
        build_model(f"{path}:make", (1,), 1)


@pytest.mark.parametrize("spec", ["model.py:", ":make", "model.py:not-a-name"])
def test_malformed_spec(spec):
    with pytest.raises(ConfigError, match="expected 'path/to/file.py:function'"):
        load_user_factory(spec)


def test_missing_function_lists_the_ones_defined(factories):
    with pytest.raises(ConfigError) as info:
        build_model(f"{factories}:mkae", (1,), 1)
    message = str(info.value)
    assert "no function 'mkae'" in message
    assert "make" in message and "fixed" in message
    assert "nn" not in message.split("defined there:")[1].split(", ")  # imports are not listed


def test_not_callable(factories):
    with pytest.raises(ConfigError, match="'NOT_CALLABLE' .* is a int, not a function"):
        build_model(f"{factories}:NOT_CALLABLE", (1,), 1)


def test_returns_something_else_than_a_module(factories):
    with pytest.raises(ConfigError, match="returned a value of type Tensor, not a torch.nn"):
        build_model(f"{factories}:not_a_module", (1,), 1)


def test_unknown_and_missing_options(factories):
    with pytest.raises(ConfigError, match="no option 'hiden'.*Did you mean 'hidden'"):
        build_model(f"{factories}:make", (1,), 1, hiden=3)
    with pytest.raises(ConfigError, match="no value for depth"):
        build_model(f"{factories}:needs_depth", (1,), 1)
    assert isinstance(build_model(f"{factories}:needs_depth", (1,), 1, depth=2), nn.Linear)


def test_file_raising_at_import_shows_the_line(tmp_path):
    path = write(tmp_path, "bad.py", "import torch\n\nscale = 1 / 0\n")
    with pytest.raises(ConfigError) as info:
        build_model(f"{path}:make", (1,), 1)
    message = str(info.value)
    assert "ZeroDivisionError" in message
    assert "line 3: scale = 1 / 0" in message
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_file_with_syntax_error_shows_the_line(tmp_path):
    path = write(tmp_path, "bad_syntax.py", "def make(:\n    pass\n")
    with pytest.raises(ConfigError, match=r"SyntaxError.*line 1: def make\(:"):
        build_model(f"{path}:make", (1,), 1)


def test_file_with_missing_import(tmp_path):
    path = write(tmp_path, "bad_import.py", "import no_such_module_for_learnlab_tests\n")
    with pytest.raises(ConfigError, match="ModuleNotFoundError.*line 1"):
        load_user_factory(f"{path}:make")


def test_file_exiting_at_import(tmp_path):
    path = write(tmp_path, "script.py", "import sys\nsys.exit(3)\n")
    with pytest.raises(ConfigError, match="SystemExit.*line 2"):
        load_user_factory(f"{path}:make")


def test_factory_raising_shows_the_line(factories):
    with pytest.raises(ConfigError, match=r"TypeError.*line \d+: return nn.Linear\(1, 1, bais"):
        build_model(f"{factories}:broken", (1,), 1)


# --- the contract: the common spellings of the two arguments learnlab fills -----------------

SPELLINGS = """
import math

from torch import nn


def keras_style(input_shape, classes, hidden=4):
    return nn.Sequential(nn.Flatten(), nn.Linear(math.prod(input_shape), classes))


def timm_style(in_shape, num_classes):
    return nn.Sequential(nn.Flatten(), nn.Linear(math.prod(in_shape), num_classes))


def plain(shape, n_classes):
    return nn.Sequential(nn.Flatten(), nn.Linear(math.prod(shape), n_classes))


def torch_style(image_shape, out_features):
    return nn.Sequential(nn.Flatten(), nn.Linear(math.prod(image_shape), out_features))


def both_outputs(input_shape, num_classes, out_features=7):
    # the first name of the documented list is filled; the other stays an option
    model = nn.Linear(math.prod(input_shape), num_classes)
    model.option = out_features
    return model


def needs_depth(input_shape, num_classes, depth):
    return nn.Linear(1, num_classes)


def flat(in_features, num_classes):
    return nn.Linear(in_features, num_classes)
"""


@pytest.fixture
def spellings(tmp_path) -> Path:
    return write(tmp_path, "spellings.py", SPELLINGS)


@pytest.mark.parametrize("function", ["keras_style", "timm_style", "plain", "torch_style"])
def test_common_spellings_of_shape_and_outputs_are_filled(spellings, function):
    model = build_model(f"{spellings}:{function}", (1, 4, 4), 3)
    assert model(torch.zeros(2, 1, 4, 4)).shape == (2, 3)


def test_only_the_first_documented_name_is_filled_the_others_stay_options(spellings):
    model = build_model(f"{spellings}:both_outputs", (2,), 5)
    assert model.out_features == 5 and model.option == 7
    assert build_model(f"{spellings}:both_outputs", (2,), 5, out_features=9).option == 9


def test_a_filled_argument_is_not_an_option(spellings):
    with pytest.raises(ConfigError, match="'num_classes' is not an option: learnlab fills it"):
        build_model(f"{spellings}:needs_depth", (1,), 2, depth=1, num_classes=3)


def test_a_missing_argument_shows_the_signature_found_and_expected(spellings):
    with pytest.raises(ConfigError) as info:
        build_model(f"{spellings}:needs_depth", (1, 28, 28), 10)
    message = str(info.value)
    assert "needs_depth(input_shape, num_classes, depth) has no value for depth" in message
    assert "Expected: needs_depth(input_shape, num_outputs, **options)" in message
    assert "--set model_options.depth=VALUE" in message
    assert "(1, 28, 28), as input_shape (or in_shape, shape" in message
    assert "10, as num_outputs (or num_classes, n_classes" in message
    assert "Give each required argument as an option" not in message  # the old, wrong hint


def test_a_single_input_size_is_never_guessed(spellings):
    """`in_features` may be the flat size (784) or one step's features (28): not filled."""
    with pytest.raises(ConfigError) as info:
        build_model(f"{spellings}:flat", (1, 28, 28), 10)
    message = str(info.value)
    assert "learnlab does not fill in_features" in message
    assert "flat size of an example, 784" in message and "features of one step, 28" in message
    assert build_model(f"{spellings}:flat", (1, 28, 28), 10, in_features=784).in_features == 784


def test_the_cli_shows_the_contract_for_a_missing_argument(spellings, capsys):
    from learnlab.cli import main

    argv = ["train", "--dataset", "digits", "--model", f"{spellings}:needs_depth", "--dry-run"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "has no value for depth" in err and "--set model_options.depth=VALUE" in err
    assert "(1, 8, 8), as input_shape" in err and "Traceback" not in err
