"""The data set registry: a name maps to the files a data set needs and how to build it.

`load_dataset(name)` finds (or downloads) and verifies every file of the spec with
`learnlab.data.files.fetch_file`, then calls `spec.build({relative path: local path})`.
Generated data sets (digits, mnist1d) have no files and are built from `{}`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from learnlab.data.dataset import Dataset
from learnlab.data.files import RemoteFile, fetch_file
from learnlab.io.errors import ConfigError, unknown_name


@dataclass(frozen=True)
class DatasetSpec:
    """What a data set is, what it is built from, and how.

    `build` receives a dict from each file's relative path (`RemoteFile.path`) to a verified
    local copy and returns the Dataset.

    The shapes (`input_shape`, `num_outputs`, `train_examples`, `has_val`) say what `build`
    will return without loading anything: `--dry-run` builds the model, optimizer and
    schedule from them. A data set registered without them is dry-run without its model.
    tests/reliability/test_reliability_dryrun.py checks them against the loaded data.
    """

    name: str
    description: str
    citation: str
    files: tuple[RemoteFile, ...]
    build: Callable[[dict[str, Path]], Dataset]
    input_shape: tuple[int, ...] | None = None  # one example, as the Dataset holds it
    num_outputs: int | None = None  # classes (or the vocabulary's size)
    train_examples: int | None = None  # the training split, before a validation split is held out
    has_val: bool = False  # the data set ships its own validation split

    @property
    def shapes_known(self) -> bool:
        return (
            self.input_shape is not None
            and self.num_outputs is not None
            and self.train_examples is not None
        )


_REGISTRY: dict[str, DatasetSpec] = {}


def _canonical(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def register_dataset(spec: DatasetSpec, *, replace: bool = False) -> DatasetSpec:
    """Add `spec` to the registry under `spec.name`; returns it (usable as a plain call)."""
    key = _canonical(spec.name)
    if key != spec.name:
        raise ConfigError(
            f"Data set name {spec.name!r} must be lower case with '-' between words (e.g. {key!r})."
        )
    if key in _REGISTRY and not replace:
        raise ConfigError(
            f"A data set named {key!r} is already registered; choose another name or pass "
            "replace=True."
        )
    _REGISTRY[key] = spec
    return spec


def dataset_names() -> list[str]:
    """Names of all registered data sets, sorted."""
    return sorted(_REGISTRY)


def get_dataset_spec(name: str) -> DatasetSpec:
    """The spec registered as `name` ('fashion_mnist' and 'Fashion-MNIST' also work)."""
    key = _canonical(name)
    if key in _REGISTRY:
        return _REGISTRY[key]
    raise unknown_name("data set", name, dataset_names())


def build_dataset(
    spec: DatasetSpec, root: str | Path | None = None, download: bool = True
) -> Dataset:
    """Fetch and verify the files of `spec` (see `fetch_file`) and build its Dataset."""
    paths = {f.path: fetch_file(f, root=root, download=download) for f in spec.files}
    return spec.build(paths)


def load_dataset(name: str, root: str | Path | None = None, download: bool = True) -> Dataset:
    """Load a registered data set into memory.

    Files are looked for in `root`, then `$LEARNLAB_DATA` (unset: the folder the set-up
    recorded, `learnlab.data.files.recorded_data_folder`), then the user cache, then
    downloaded into the cache (if `download`); each is checked against its SHA-256.

    >>> ds = load_dataset("mnist", root="../shared/datasets")  # doctest: +SKIP
    >>> ds.train.x.shape, ds.train.x.dtype  # doctest: +SKIP
    (torch.Size([60000, 1, 28, 28]), torch.uint8)
    """
    return build_dataset(get_dataset_spec(name), root=root, download=download)
