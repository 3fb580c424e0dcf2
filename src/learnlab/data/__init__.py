"""Data: the data set registry, verified files, the IDX reader, the loader and transforms.

    >>> from learnlab.data import load_dataset, TensorLoader, normalize
    >>> ds = load_dataset("mnist")                                    # doctest: +SKIP
    >>> x = normalize(ds.train.x, scale=ds.scale, mean=ds.mean, std=ds.std)  # doctest: +SKIP
    >>> loader = TensorLoader(x, ds.train.y, batch_size=128, seed=0)  # doctest: +SKIP

Importing this package registers the built-in data sets (mnist, fashion-mnist, usps,
tiny-shakespeare, digits, mnist1d, diabetes, friedman1); their heavy dependencies (h5py,
scikit-learn, mnist1d) are imported only when a set that needs them is loaded.
"""

from learnlab.data import builtin_images, builtin_other, builtin_regression  # noqa: F401
from learnlab.data.dataset import Dataset, Split
from learnlab.data.files import RemoteFile, fetch_file
from learnlab.data.idx import read_idx
from learnlab.data.loader import TensorLoader
from learnlab.data.registry import (
    DatasetSpec,
    dataset_names,
    get_dataset_spec,
    load_dataset,
    register_dataset,
)
from learnlab.data.transforms import flatten, normalize, random_translate, translate

__all__ = [
    "Dataset",
    "DatasetSpec",
    "RemoteFile",
    "Split",
    "TensorLoader",
    "dataset_names",
    "fetch_file",
    "flatten",
    "get_dataset_spec",
    "load_dataset",
    "normalize",
    "random_translate",
    "read_idx",
    "register_dataset",
    "translate",
]
