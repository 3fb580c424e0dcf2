"""Built-in data sets that are text or generated offline: Tiny Shakespeare, digits, MNIST-1D.

- Tiny Shakespeare: A. Karpathy (2015), char-rnn, "The Unreasonable Effectiveness of Recurrent
  Neural Networks". Character level: the vocabulary is the sorted set of characters; the first
  90% of the text is train, the rest test; x = ids[:-1], y = ids[1:] (next-character targets).
- digits: the UCI optical digits as shipped by scikit-learn (E. Alpaydin, C. Kaynak, 1998),
  8x8 images with values 0..16; split 1,437 / 360, stratified, random_state=0.
- MNIST-1D: S. Greydanus (2020), "Scaling down deep learning". Generated with the `mnist1d`
  package's default arguments: 4,000 / 1,000 signals of length 40.
"""

from __future__ import annotations

import random
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from learnlab.data.builtin_images import DIGIT_NAMES, pixel_stats
from learnlab.data.dataset import Dataset, Split
from learnlab.data.files import RemoteFile
from learnlab.data.registry import DatasetSpec, register_dataset
from learnlab.io.errors import DataError

SHAKESPEARE_FILE = RemoteFile(
    path="tiny-shakespeare/input.txt",
    urls=(
        "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
    ),
    sha256="86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
    size=1_115_394,
)
TRAIN_FRACTION = 0.9


def encode_chars(text: str) -> tuple[torch.Tensor, list[str]]:
    """Character ids (int64) of `text` and the vocabulary (sorted distinct characters)."""
    # Code points via UTF-32 let numpy find the vocabulary and ids without a Python loop.
    points = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    vocab, ids = np.unique(points, return_inverse=True)
    return torch.from_numpy(ids.astype(np.int64)), [chr(c) for c in vocab]


def _next_char_split(ids: torch.Tensor) -> Split:
    return Split(x=ids[:-1].clone(), y=ids[1:].clone())


def _build_shakespeare(paths: dict[str, Path]) -> Dataset:
    path = paths[SHAKESPEARE_FILE.path]
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise DataError(f"{path} is not UTF-8 text ({e}); replace it with a good copy.") from e
    ids, vocab = encode_chars(text)
    cut = int(len(ids) * TRAIN_FRACTION)
    return Dataset(
        name="tiny-shakespeare",
        train=_next_char_split(ids[:cut]),
        test=_next_char_split(ids[cut:]),
        task="language",
        input_shape=(),
        num_classes=len(vocab),
        extras={"vocab": vocab},
    )


register_dataset(
    DatasetSpec(
        name="tiny-shakespeare",
        description="1.1 MB of Shakespeare as a character-level language-modelling task.",
        citation=(
            "A. Karpathy (2015). char-rnn, data/tinyshakespeare/input.txt. "
            "https://github.com/karpathy/char-rnn"
        ),
        files=(SHAKESPEARE_FILE,),
        build=_build_shakespeare,
        input_shape=(),
        num_outputs=65,
        train_examples=1_003_853,
        has_val=False,
    )
)

DIGITS_TEST_SIZE = 360
DIGITS_SEED = 0


def _build_digits(paths: dict[str, Path]) -> Dataset:
    from sklearn.datasets import load_digits  # lazy: sklearn takes ~1 s to import
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    images = bunch.images.astype(np.uint8)[:, None]  # (1797, 1, 8, 8), values 0..16
    x_tr, x_te, y_tr, y_te = train_test_split(
        images,
        bunch.target,
        test_size=DIGITS_TEST_SIZE,
        random_state=DIGITS_SEED,
        stratify=bunch.target,
    )
    train = Split(x=torch.from_numpy(x_tr), y=torch.from_numpy(y_tr.astype(np.int64)))
    test = Split(x=torch.from_numpy(x_te), y=torch.from_numpy(y_te.astype(np.int64)))
    mean, std = pixel_stats(train.x, 16.0)
    return Dataset(
        name="digits",
        train=train,
        test=test,
        task="classification",
        input_shape=(1, 8, 8),
        num_classes=10,
        class_names=list(DIGIT_NAMES),
        scale=16.0,
        mean=mean,
        std=std,
    )


register_dataset(
    DatasetSpec(
        name="digits",
        description="scikit-learn's 8x8 handwritten digits (values 0..16), 1,437 / 360.",
        citation=(
            "E. Alpaydin, C. Kaynak (1998). Optical Recognition of Handwritten Digits. "
            "UCI Machine Learning Repository; as shipped by scikit-learn (load_digits)."
        ),
        files=(),
        build=_build_digits,
        input_shape=(1, 8, 8),
        num_outputs=10,
        train_examples=1437,
        has_val=False,
    )
)


@lru_cache(maxsize=1)
def _mnist1d_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Generate MNIST-1D once per process (~1 s); read-only arrays, copied by the caller."""
    from mnist1d.data import get_dataset_args, make_dataset

    # make_dataset seeds the global `random` and numpy generators; put the caller's back.
    py_state, np_state = random.getstate(), np.random.get_state()
    try:
        data = make_dataset(get_dataset_args())
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
    arrays = (data["x"], data["y"], data["x_test"], data["y_test"])
    for a in arrays:
        a.setflags(write=False)
    return arrays


def _build_mnist1d(paths: dict[str, Path]) -> Dataset:
    x, y, x_test, y_test = _mnist1d_arrays()

    def split(xs: np.ndarray, ys: np.ndarray) -> Split:
        return Split(
            x=torch.from_numpy(xs.astype(np.float32)[:, None, :]),
            y=torch.from_numpy(ys.astype(np.int64)),
        )

    train, test = split(x, y), split(x_test, y_test)
    mean, std = pixel_stats(train.x, 1.0)
    return Dataset(
        name="mnist1d",
        train=train,
        test=test,
        task="classification",
        input_shape=tuple(train.x.shape[1:]),
        num_classes=10,
        class_names=list(DIGIT_NAMES),
        scale=1.0,
        mean=mean,
        std=std,
    )


register_dataset(
    DatasetSpec(
        name="mnist1d",
        description="MNIST-1D: 1-D signals of length 40 in 10 classes, 4,000 / 1,000 (generated).",
        citation=(
            "S. Greydanus (2020). Scaling down deep learning. arXiv:2011.14439. "
            "https://github.com/greydanus/mnist1d"
        ),
        files=(),
        build=_build_mnist1d,
        input_shape=(1, 40),
        num_outputs=10,
        train_examples=4000,
        has_val=False,
    )
)
