"""What each registered model takes, and which data sets `learnlab train` can train it on.

`learnlab train` trains a classifier: a model called on a batch of examples of one fixed shape
that returns (batch, num_outputs) logits. What an example is follows from the data set's
registered `input_shape` (`DatasetSpec`), by its number of dimensions:

    image      (channels, height, width)   mnist, fashion-mnist, usps, digits
    sequence   (steps, features)            mnist1d's (1, 40)
    vector     (features,)
    text       ()                           tiny-shakespeare: one stream of token ids

`MODEL_INPUTS` states, in one place, for every registered model, the kinds of example it
classifies (with the smallest image it takes and the size its image must be a multiple of,
with its default options), or, for a model that `learnlab train` cannot train (it
reconstructs its input, takes two inputs, a graph or token ids), what it takes and the recipe
that trains it. `check_model_fits` refuses a mismatch before the model is built, naming the
models that fit the data set and the data sets that fit the model. The contract test
(tests/models/test_models_inputs.py) checks that every registered model is stated here and
that each statement is true: every pair said to fit builds and returns (batch, classes)
logits on a batch of that data set's shape, and every other pair fails to build.
"""

from __future__ import annotations

from dataclasses import dataclass

from learnlab.io.errors import ConfigError

EXAMPLE_KINDS: dict[str, str] = {
    "image": "images (channels, height, width)",
    "sequence": "sequences (steps, features)",
    "vector": "feature vectors (features,)",
    "text": "a stream of token ids (a language-modelling task)",
}


@dataclass(frozen=True)
class ModelInputs:
    """What one model takes. `kinds`: the kinds of example `learnlab train` trains it on
    (empty: it cannot train it); `min_size`, `multiple_of`: the image height and width it needs
    with its default options; `takes`, `recipe`: for the others, what they take in words, the
    kind of data (`other_kind`) and the recipe that trains them."""

    kinds: tuple[str, ...] = ()
    min_size: int = 1
    multiple_of: int = 1
    takes: str = ""
    other_kind: str = ""
    recipe: str = ""


_FLAT = ("image", "sequence", "vector")
_STEPS = ("image", "sequence")

MODEL_INPUTS: dict[str, ModelInputs] = {
    "mlp": ModelInputs(_FLAT),
    "moe-mlp": ModelInputs(_FLAT),
    "lenet5": ModelInputs(("image",), min_size=12),
    "mnist-cnn": ModelInputs(("image",), min_size=6),
    "conv4": ModelInputs(("image",), min_size=16),  # four 2x2 poolings
    "speedrun-cnn": ModelInputs(("image",), min_size=12),
    "preact-resnet": ModelInputs(("image",)),
    "mlp-mixer": ModelInputs(("image",), multiple_of=4),
    "rnn": ModelInputs(_STEPS),
    "lstm": ModelInputs(_STEPS),
    "gru": ModelInputs(_STEPS),
    "transformer-classifier": ModelInputs(_STEPS),
    "char-transformer": ModelInputs(
        takes="windows of token ids (context,) and predicts the next token at every position",
        other_kind="text",
        recipe="char-transformer",
    ),
    "skip-gram": ModelInputs(
        takes="(centre word, candidate context words) id pairs",
        other_kind="text",
        recipe="word-embeddings",
    ),
    "autoencoder": ModelInputs(takes="an example and reconstructs it", recipe="autoencoders"),
    "conv-autoencoder": ModelInputs(takes="an image and reconstructs it", recipe="autoencoders"),
    "vae": ModelInputs(takes="an example and reconstructs it", recipe="autoencoders"),
    "siamese": ModelInputs(
        takes="two examples and scores them as the same or not", recipe="moe-cascade"
    ),
    "bilinear": ModelInputs(takes="two inputs, forward(x, z)", recipe="moe-cascade"),
    "gcn": ModelInputs(takes="a graph (node features and edges)", recipe="gcn-karate"),
    "gcn-graph": ModelInputs(takes="a batch of graphs", recipe="gcn-karate"),
    "vin": ModelInputs(
        takes="grid-world states (3, H, W): obstacles, goal, agent position",
        recipe="value-iteration-network",
    ),
    "grid-cnn": ModelInputs(
        takes="grid-world states (3, H, W): obstacles, goal, agent position",
        recipe="value-iteration-network",
    ),
}


def example_kind(input_shape: tuple[int, ...]) -> str:
    """The kind of example (see the module docstring) a data set of this shape holds."""
    return {0: "text", 1: "vector", 2: "sequence", 3: "image"}.get(len(input_shape), "tensor")


def fits(model: str, input_shape: tuple[int, ...]) -> bool:
    """Whether `learnlab train` can train `model` (default options) on examples of this shape."""
    stated = MODEL_INPUTS.get(model)
    if stated is None or example_kind(input_shape) not in stated.kinds:
        return False
    if example_kind(input_shape) != "image":
        return True
    sides = input_shape[1:]
    return all(s >= stated.min_size and s % stated.multiple_of == 0 for s in sides)


def _dataset_shapes() -> dict[str, tuple[int, ...]]:
    from learnlab.data import dataset_names, get_dataset_spec

    specs = {name: get_dataset_spec(name) for name in dataset_names()}
    return {n: s.input_shape for n, s in specs.items() if s.input_shape is not None}


def models_fitting(input_shape: tuple[int, ...]) -> list[str]:
    """The registered models `learnlab train` trains on examples of this shape, sorted."""
    return sorted(name for name in MODEL_INPUTS if fits(name, input_shape))


def datasets_fitting(model: str) -> list[str]:
    """The registered data sets `learnlab train` can train `model` on, sorted."""
    return sorted(name for name, shape in _dataset_shapes().items() if fits(model, shape))


def what_it_takes(model: str) -> str:
    """The model's input in words (for messages and `learnlab describe`)."""
    stated = MODEL_INPUTS[model]
    if stated.kinds:
        takes = " or ".join(EXAMPLE_KINDS[k] for k in stated.kinds)
        sizes = []
        if stated.min_size > 1:
            sizes.append(f"at least {stated.min_size}x{stated.min_size}")
        if stated.multiple_of > 1:
            sizes.append(f"with sides a multiple of {stated.multiple_of}")
        return takes + (f", {' and '.join(sizes)} with its default options" if sizes else "")
    return f"{stated.takes}; `learnlab run {stated.recipe}` trains it"


def _other_models(kind: str) -> str:
    found = [
        f"{n} (learnlab run {s.recipe})" for n, s in MODEL_INPUTS.items() if s.other_kind == kind
    ]
    return f" Models that take {kind}: {', '.join(found)}." if found else ""


def check_model_fits(
    model: str, dataset: str, input_shape: tuple[int, ...], options_given: bool
) -> None:
    """Raise ConfigError when `learnlab train` cannot train `model` on `dataset` (whose
    examples have shape `input_shape`): a kind it does not take, or, with the default options
    (`options_given` False), an image size it does not take. Models not stated in
    `MODEL_INPUTS` (the user's own file) are not checked here."""
    stated = MODEL_INPUTS.get(model)
    if stated is None or fits(model, input_shape):
        return
    kind = example_kind(input_shape)
    if kind in stated.kinds and options_given:
        return  # a size its options may change: the model checks it when it is built
    fitting = models_fitting(input_shape)
    holds = EXAMPLE_KINDS.get(kind, f"tensors of shape {input_shape}")
    if kind == "image":
        holds = f"images of shape {input_shape}"
    lines = [f"model {model!r} does not fit data set {dataset!r}."]
    if stated.kinds:
        lines.append(f"{model} takes {what_it_takes(model)}; {dataset} holds {holds}.")
    else:
        lines.append(
            f"{model} is not a classifier that `learnlab train` trains: it takes "
            f"{what_it_takes(model)}."
        )
    if fitting:
        lines.append(f"Models that fit {dataset}: {', '.join(fitting)}.")
    else:
        lines.append(
            f"No model of `learnlab train` fits {dataset}: `learnlab train` trains classifiers "
            f"of fixed-shape examples.{_other_models(kind)}"
        )
    datasets = datasets_fitting(model)
    if datasets:
        lines.append(f"Data sets {model} fits: {', '.join(datasets)}.")
    lines.append("`learnlab describe NAME` shows what a model or data set takes.")
    raise ConfigError("\n".join(lines))
