"""Contract tests over every registered model, in the manner of timm's tests.

Each case builds a model with `build_model` and checks: output shape, a gradient reaching every
parameter, determinism under a seed (and sensitivity to it), a strict safetensors round trip
of the state dict, float32 parameters. Besides each model's defaults, a few option variants
run through the same contract (norm layers carry buffers, dropout consumes random numbers).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
import torch
from safetensors.torch import load_file, save_file

from learnlab.models import build_model, model_names

NUM_OUTPUTS = 10
IMAGE = (1, 28, 28)

# Input shapes per model; a model not listed gets a 1x28x28 image. A family whose models take
# other inputs adds them here.
INPUT_SHAPES: dict[str, list[tuple[int, ...]]] = {
    "mlp": [IMAGE, (1, 40)],
    "rnn": [IMAGE, (12, 5)],
    "lstm": [IMAGE, (12, 5)],
    "gru": [IMAGE, (12, 5)],
    "transformer-classifier": [IMAGE, (12, 5)],
    "char-transformer": [(16,)],
}

# Models that take int64 token ids in [0, vocabulary) and return (N, T, vocabulary) logits;
# the value is the vocabulary size, passed as num_outputs.
TOKEN_MODELS: dict[str, int] = {"char-transformer": 65}

# Option variants that also go through the contract.
VARIANTS: list[tuple[str, dict]] = [
    ("mlp", {"depth": 0}),
    ("mlp", {"norm": "batch", "dropout": 0.2, "activation": "tanh"}),
    ("mlp", {"norm": "layer", "activation": "gelu", "bias": False}),
    ("lenet5", {"activation": "tanh", "pool": "avg"}),
    ("mnist-cnn", {"dropout1": 0.0, "dropout2": 0.0, "width": 32}),
    ("rnn", {"layers": 2, "dropout": 0.1, "readout": "mean"}),
    ("lstm", {"layers": 2, "bidirectional": True, "hidden": 16}),
    ("gru", {"bidirectional": True, "readout": "mean", "hidden": 16}),
    ("transformer-classifier", {"dim": 32, "depth": 1, "heads": 2, "dropout": 0.1}),
    ("char-transformer", {"dim": 32, "depth": 1, "heads": 8, "dropout": 0.1}),
    ("preact-resnet", {"width": 8, "blocks": [1, 3]}),
    ("mlp-mixer", {"patch_size": 7, "dim": 16, "depth": 2, "token_hidden": 8}),
]


def _load_family_cases() -> dict[str, ModuleType]:
    """Families whose models take other inputs than one tensor (a graph, a pair, token ids of
    another kind) describe them in a module of their own, tests/models/contract_cases/*.py:

    - `INPUT_SHAPES: dict[name, list[shape]]`: the shapes to test (the first is used for variants);
    - `VARIANTS: list[(name, options)]`: option variants that also go through the contract;
    - `NUM_OUTPUTS: dict[name, int]` (optional): num_outputs to build with (default 10);
    - `make_input(name, shape, n, generator) -> tuple`: the forward's positional arguments;
    - `output_shape(name, shape, n) -> tuple`: the expected shape of the output tensor.

    Returns {model name: the module that describes it}."""
    owners: dict[str, ModuleType] = {}
    for path in sorted((Path(__file__).parent / "contract_cases").glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"contract_cases_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name in module.INPUT_SHAPES:
            assert name not in owners, f"{name} is described twice"
            owners[name] = module
    return owners


FAMILY_CASES = _load_family_cases()
for _name, _module in FAMILY_CASES.items():
    INPUT_SHAPES[_name] = _module.INPUT_SHAPES[_name]
VARIANTS += [v for m in {id(m): m for m in FAMILY_CASES.values()}.values() for v in m.VARIANTS]


def _cases() -> list:
    cases = []
    for name in model_names():
        for shape in INPUT_SHAPES.get(name, [IMAGE]):
            cases.append(pytest.param(name, shape, {}, id=f"{name}-{'x'.join(map(str, shape))}"))
    for name, options in VARIANTS:
        label = ",".join(f"{k}={v}" for k, v in options.items())
        shape = INPUT_SHAPES.get(name, [IMAGE])[0]
        cases.append(pytest.param(name, shape, options, id=f"{name}-{label}"))
    return cases


CASES = _cases()


def _build(name: str, shape: tuple[int, ...], options: dict, seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    if name in FAMILY_CASES:
        num_outputs = getattr(FAMILY_CASES[name], "NUM_OUTPUTS", {}).get(name, NUM_OUTPUTS)
    else:
        num_outputs = TOKEN_MODELS.get(name, NUM_OUTPUTS)
    return build_model(name, shape, num_outputs, **options)


def _input(name: str, shape: tuple[int, ...], n: int = 3) -> tuple:
    """The forward's positional arguments for n examples."""
    generator = torch.Generator().manual_seed(1234)
    if name in FAMILY_CASES:
        return tuple(FAMILY_CASES[name].make_input(name, shape, n, generator))
    if name in TOKEN_MODELS:
        return (torch.randint(0, TOKEN_MODELS[name], (n, *shape), generator=generator),)
    return (torch.randn(n, *shape, generator=generator),)


def _output_shape(name: str, shape: tuple[int, ...], n: int = 3) -> tuple[int, ...]:
    if name in FAMILY_CASES:
        return tuple(FAMILY_CASES[name].output_shape(name, shape, n))
    if name in TOKEN_MODELS:
        return (n, *shape, TOKEN_MODELS[name])
    return (n, NUM_OUTPUTS)


def test_every_registered_model_is_covered():
    covered = {case.values[0] for case in CASES}
    assert covered == set(model_names())
    assert {"mlp", "lenet5", "mnist-cnn"} <= covered


@pytest.mark.parametrize(("name", "shape", "options"), CASES)
def test_output_shape(name, shape, options):
    model = _build(name, shape, options, seed=0)
    for mode in (True, False):
        model.train(mode)
        out = model(*_input(name, shape))
        assert out.shape == _output_shape(name, shape)
        assert out.dtype == torch.float32
        assert torch.isfinite(out).all()


@pytest.mark.parametrize(("name", "shape", "options"), CASES)
def test_every_parameter_gets_a_gradient(name, shape, options):
    model = _build(name, shape, options, seed=0).train()
    torch.manual_seed(1)  # fixes the dropout masks
    out = model(*_input(name, shape, n=4))
    weights = torch.randn(out.shape, generator=torch.Generator().manual_seed(2))
    (out * weights).sum().backward()
    for pname, param in model.named_parameters():
        assert param.grad is not None, f"{pname} got no gradient"
        assert torch.isfinite(param.grad).all(), f"{pname} has a non-finite gradient"
        assert param.grad.abs().sum() > 0, f"{pname} has an all-zero gradient"


@pytest.mark.parametrize(("name", "shape", "options"), CASES)
def test_seed_determines_the_model(name, shape, options):
    x = _input(name, shape)
    with torch.no_grad():
        a = _build(name, shape, options, seed=0).eval()(*x)
        b = _build(name, shape, options, seed=0).eval()(*x)
        c = _build(name, shape, options, seed=1).eval()(*x)
    assert torch.equal(a, b)
    assert not torch.allclose(a, c)


@pytest.mark.parametrize(("name", "shape", "options"), CASES)
def test_state_dict_round_trip_through_safetensors(name, shape, options, tmp_path):
    model = _build(name, shape, options, seed=0)
    # A training-mode pass first, so that running statistics (batch norm) are not the defaults.
    model.train()(*_input(name, shape, n=8))
    model.eval()
    path = tmp_path / "weights.safetensors"
    save_file(model.state_dict(), str(path))

    fresh = _build(name, shape, options, seed=1).eval()
    x = _input(name, shape)
    with torch.no_grad():
        assert not torch.allclose(fresh(*x), model(*x))
        result = fresh.load_state_dict(load_file(str(path)), strict=True)
        assert not result.missing_keys and not result.unexpected_keys
        assert torch.equal(fresh(*x), model(*x))


@pytest.mark.parametrize(("name", "shape", "options"), CASES)
def test_float32_with_parameters(name, shape, options):
    model = _build(name, shape, options, seed=0)
    params = list(model.parameters())
    assert len(params) > 0
    assert all(p.dtype == torch.float32 for p in params)
    floating = [b for b in model.buffers() if b.is_floating_point()]
    assert all(b.dtype == torch.float32 for b in floating)
