"""The statement of what each model takes (`learnlab.models.inputs.MODEL_INPUTS`) covers every
registered model and is true: every (model, shape) pair said to fit builds and returns
(batch, classes) logits, every other pair of a model that `learnlab train` trains fails to
build, and a mismatch is refused with the models that fit, not an error from inside a model."""

from __future__ import annotations

import pytest
import torch

from learnlab.data import dataset_names, get_dataset_spec
from learnlab.io.errors import ConfigError
from learnlab.models import build_model, model_names
from learnlab.models.inputs import (
    EXAMPLE_KINDS,
    MODEL_INPUTS,
    check_model_fits,
    datasets_fitting,
    example_kind,
    fits,
    models_fitting,
)
from learnlab.recipes import recipe_names

CLASSES = 7
# every registered data set's shape, and shapes of each kind that none has yet (a colour image,
# a small image, an image whose sides no patch size of 4 divides, a sequence, a vector)
SHAPES = sorted(
    {get_dataset_spec(n).input_shape for n in dataset_names()}
    | {(3, 32, 32), (1, 4, 4), (1, 30, 30), (12, 5), (20,)}
)
TRAINED = sorted(name for name, stated in MODEL_INPUTS.items() if stated.kinds)


def test_every_registered_model_states_what_it_takes():
    assert set(MODEL_INPUTS) == set(model_names())
    for name, stated in MODEL_INPUTS.items():
        assert set(stated.kinds) <= set(EXAMPLE_KINDS), name
        # a model learnlab train cannot train names what it takes and the recipe that trains it
        assert stated.kinds or (stated.takes and stated.recipe in recipe_names()), name


@pytest.mark.parametrize("name", TRAINED)
def test_the_statement_is_true_on_every_shape(name):
    """Said to fit: builds and classifies a batch; said not to fit: refuses to build."""
    for shape in SHAPES:
        torch.manual_seed(0)
        if fits(name, shape):
            model = build_model(name, shape, CLASSES).eval()
            with torch.no_grad():
                out = model(torch.randn(2, *shape))
            assert out.shape == (2, CLASSES), (name, shape)
        else:
            with pytest.raises(ConfigError):
                build_model(name, shape, CLASSES)


def test_kinds_follow_the_number_of_dimensions():
    assert example_kind((1, 28, 28)) == "image" and example_kind((1, 40)) == "sequence"
    assert example_kind((20,)) == "vector" and example_kind(()) == "text"
    assert get_dataset_spec("tiny-shakespeare").input_shape == ()


def test_which_models_fit_which_data_sets():
    assert models_fitting((1, 8, 8)) == [
        "gru", "lstm", "mlp", "mlp-mixer", "mnist-cnn", "moe-mlp", "preact-resnet", "rnn",
        "transformer-classifier",
    ]  # fmt: skip
    assert "lenet5" not in models_fitting((1, 8, 8))  # digits are 8x8: too small for LeNet-5
    assert models_fitting(()) == []
    assert datasets_fitting("lenet5") == ["fashion-mnist", "mnist", "usps"]
    assert "mnist1d" in datasets_fitting("lstm") and "mnist1d" not in datasets_fitting("lenet5")


def test_a_model_on_text_names_the_models_and_recipes_that_take_text():
    with pytest.raises(ConfigError) as info:
        check_model_fits("lenet5", "tiny-shakespeare", (), options_given=False)
    message = str(info.value)
    assert "model 'lenet5' does not fit data set 'tiny-shakespeare'" in message
    assert "char-transformer (learnlab run char-transformer)" in message
    assert "Data sets lenet5 fits: fashion-mnist, mnist, usps." in message


def test_a_non_classifier_names_its_recipe():
    with pytest.raises(ConfigError, match="learnlab run autoencoders") as info:
        check_model_fits("vae", "mnist", (1, 28, 28), options_given=False)
    assert "Models that fit mnist: conv4, gru, lenet5" in str(info.value)


def test_a_size_that_options_may_change_is_left_to_the_model():
    with pytest.raises(ConfigError, match="at least 12x12"):
        check_model_fits("speedrun-cnn", "digits", (1, 8, 8), options_given=False)
    # with options given (smaller kernels), the model itself decides
    check_model_fits("speedrun-cnn", "digits", (1, 8, 8), options_given=True)
    with pytest.raises(ConfigError, match="does not fit"):  # a kind no option changes
        check_model_fits("speedrun-cnn", "mnist1d", (1, 40), options_given=True)


def test_the_users_own_model_is_not_checked_here():
    check_model_fits("my_net.py:build", "tiny-shakespeare", (), options_given=False)
