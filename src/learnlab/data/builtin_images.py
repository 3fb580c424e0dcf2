"""Built-in image data sets read from files: MNIST, Fashion-MNIST and USPS.

- MNIST: Y. LeCun, L. Bottou, Y. Bengio, P. Haffner (1998), "Gradient-based learning applied
  to document recognition". 60,000/10,000 grayscale 28x28 digits, IDX files.
- Fashion-MNIST: H. Xiao, K. Rasul, R. Vollgraf (2017), "Fashion-MNIST: a Novel Image Dataset
  for Benchmarking Machine Learning Algorithms". Same format, ten kinds of clothing.
- USPS: J. J. Hull (1994), "A database for handwritten text recognition research".
  7,291/2,007 16x16 digits, from the widely shared HDF5 file (values in [0, 1]).

Images keep their stored dtype (uint8 for the IDX sets); `mean`/`std` are statistics of
`train.x / scale`, computed when the set is built (exactly, from a histogram, for uint8).
"""

from __future__ import annotations

from pathlib import Path

import torch

from learnlab.data.checks import check_images, check_labels
from learnlab.data.dataset import Dataset, Split
from learnlab.data.files import RemoteFile
from learnlab.data.idx import read_idx
from learnlab.data.registry import DatasetSpec, register_dataset
from learnlab.io.errors import DataError

DIGIT_NAMES = [str(d) for d in range(10)]
FASHION_NAMES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]


def pixel_stats(x: torch.Tensor, scale: float) -> tuple[float, float]:
    """Mean and (population) standard deviation of `x / scale`, accumulated in float64."""
    if x.dtype == torch.uint8:
        # A 256-bin histogram gives exact moments without a float copy of the images.
        counts = torch.bincount(x.reshape(-1), minlength=256).double()
        values = torch.arange(256, dtype=torch.float64) / scale
        n = counts.sum()
        mean = (counts * values).sum() / n
        var = (counts * (values - mean) ** 2).sum() / n
    else:
        v = x.double() / scale
        mean = v.mean()
        var = ((v - mean) ** 2).mean()
    return float(mean), float(var.sqrt())


def idx_split(
    images: Path, labels: Path, *, dataset: str, image_shape: tuple[int, int], num_classes: int
) -> Split:
    """One split from an IDX image file and its IDX label file, checked (see data.checks)."""
    x = read_idx(images)
    y = read_idx(labels)
    check_images(x, str(images), dataset=dataset, image_shape=image_shape, dtype=torch.uint8)
    check_labels(
        y,
        str(labels),
        dataset=dataset,
        num_classes=num_classes,
        num_images=len(x),
        images_source=str(images),
    )
    return Split(x=x.unsqueeze(1), y=y.long())


def _idx_files(folder: str, base_urls: tuple[str, ...], sums: dict[str, tuple[str, int]]):
    return tuple(
        RemoteFile(f"{folder}/{fname}", tuple(u + fname for u in base_urls), sha, size)
        for fname, (sha, size) in sums.items()
    )


def idx_builder(
    name: str, folder: str, class_names: list[str], image_shape: tuple[int, int] = (28, 28)
):
    """The `build` of a data set stored like MNIST: four IDX files in `folder`, named
    (train|t10k)-(images-idx3|labels-idx1)-ubyte.gz, holding uint8 images of `image_shape`
    and labels 0..len(class_names)-1."""
    checks = {"dataset": name, "image_shape": image_shape, "num_classes": len(class_names)}

    def build(paths: dict[str, Path]) -> Dataset:
        train = idx_split(
            paths[f"{folder}/train-images-idx3-ubyte.gz"],
            paths[f"{folder}/train-labels-idx1-ubyte.gz"],
            **checks,
        )
        test = idx_split(
            paths[f"{folder}/t10k-images-idx3-ubyte.gz"],
            paths[f"{folder}/t10k-labels-idx1-ubyte.gz"],
            **checks,
        )
        mean, std = pixel_stats(train.x, 255.0)
        return Dataset(
            name=name,
            train=train,
            test=test,
            task="classification",
            input_shape=tuple(train.x.shape[1:]),
            num_classes=len(class_names),
            class_names=list(class_names),
            scale=255.0,
            mean=mean,
            std=std,
        )

    return build


MNIST = register_dataset(
    DatasetSpec(
        name="mnist",
        description="Handwritten digits, 28x28 grayscale, 60,000 train / 10,000 test.",
        citation=(
            "Y. LeCun, L. Bottou, Y. Bengio, P. Haffner (1998). Gradient-based learning applied "
            "to document recognition. Proc. IEEE 86(11):2278-2324. "
            "http://yann.lecun.com/exdb/mnist/"
        ),
        files=_idx_files(
            "mnist",
            ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
            {
                "train-images-idx3-ubyte.gz": (
                    "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                    9_912_422,
                ),
                "train-labels-idx1-ubyte.gz": (
                    "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                    28_881,
                ),
                "t10k-images-idx3-ubyte.gz": (
                    "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                    1_648_877,
                ),
                "t10k-labels-idx1-ubyte.gz": (
                    "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                    4_542,
                ),
            },
        ),
        build=idx_builder("mnist", "mnist", DIGIT_NAMES),
        input_shape=(1, 28, 28),
        num_outputs=10,
        train_examples=60_000,
        has_val=False,
    )
)

FASHION_MNIST = register_dataset(
    DatasetSpec(
        name="fashion-mnist",
        description="Zalando article images, 28x28 grayscale, 10 classes, 60,000 / 10,000.",
        citation=(
            "H. Xiao, K. Rasul, R. Vollgraf (2017). Fashion-MNIST: a Novel Image Dataset for "
            "Benchmarking Machine Learning Algorithms. arXiv:1708.07747."
        ),
        files=_idx_files(
            "fashion-mnist",
            ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
            {
                "train-images-idx3-ubyte.gz": (
                    "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                    26_421_880,
                ),
                "train-labels-idx1-ubyte.gz": (
                    "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                    29_515,
                ),
                "t10k-images-idx3-ubyte.gz": (
                    "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                    4_422_102,
                ),
                "t10k-labels-idx1-ubyte.gz": (
                    "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
                    5_148,
                ),
            },
        ),
        build=idx_builder("fashion-mnist", "fashion-mnist", FASHION_NAMES),
        input_shape=(1, 28, 28),
        num_outputs=10,
        train_examples=60_000,
        has_val=False,
    )
)

USPS_FILE = RemoteFile(
    path="usps/usps.h5",
    urls=(),  # no public direct download is known; Kaggle needs a login
    sha256="734f88c541104a956d88be2c95d03b4a463ffd74ccc2ba9c80841fb98e3fcb36",
    size=2_913_522,
    instructions=(
        "get usps.h5 from https://www.kaggle.com/datasets/bistaumanga/usps-dataset "
        "(needs a free Kaggle login)"
    ),
)
USPS_FIX = f"Replace it with a good copy ({USPS_FILE.instructions})."


def _usps_split(h5, group: str, label: str) -> Split:
    try:
        data = h5[f"{group}/data"][()]
        target = h5[f"{group}/target"][()]
    except KeyError as e:
        raise DataError(
            f"{label} has no '{group}/data' and '{group}/target' arrays. {USPS_FIX}"
        ) from e
    if data.ndim != 2 or data.shape[1] != 256 or target.shape != (len(data),):
        raise DataError(
            f"{label}: '{group}' should hold (N, 256) images and N targets, got "
            f"{data.shape} and {target.shape}. {USPS_FIX}"
        )
    source = f"{label} '{group}/target'"
    # checked before the cast: astype("int64") would turn a NaN label into a huge integer
    check_labels(
        torch.from_numpy(target.astype("float64")),
        source,
        dataset="usps",
        num_classes=10,
        num_images=len(data),
        images_source=f"{label} '{group}/data'",
        fix=USPS_FIX,
    )
    x = torch.from_numpy(data.astype("float32")).reshape(-1, 1, 16, 16)
    return Split(x=x, y=torch.from_numpy(target.astype("int64")))


def _build_usps(paths: dict[str, Path]) -> Dataset:
    import h5py  # lazy: only this data set needs it

    path = paths[USPS_FILE.path]
    with h5py.File(path, "r") as h5:
        train = _usps_split(h5, "train", str(path))
        test = _usps_split(h5, "test", str(path))
    mean, std = pixel_stats(train.x, 1.0)
    return Dataset(
        name="usps",
        train=train,
        test=test,
        task="classification",
        input_shape=(1, 16, 16),
        num_classes=10,
        class_names=list(DIGIT_NAMES),
        scale=1.0,
        mean=mean,
        std=std,
    )


USPS = register_dataset(
    DatasetSpec(
        name="usps",
        description="US Postal Service envelope digits, 16x16 in [0, 1], 7,291 / 2,007.",
        citation=(
            "J. J. Hull (1994). A database for handwritten text recognition research. "
            "IEEE Trans. Pattern Analysis and Machine Intelligence 16(5):550-554."
        ),
        files=(USPS_FILE,),
        build=_build_usps,
        input_shape=(1, 16, 16),
        num_outputs=10,
        train_examples=7291,
        has_val=False,
    )
)
