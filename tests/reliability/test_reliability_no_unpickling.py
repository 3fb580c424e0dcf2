"""A regression guard: no code in learnlab (or its benchmarks) can unpickle a file.

The source tree is parsed with `ast` (not grepped, so comments and strings do not count) and
every call that would deserialise a pickle is flagged:
- `pickle.load(s)`, `pickle.Unpickler`, and the same from `_pickle`, `cPickle`, `dill`,
  `cloudpickle`, `joblib`, `marshal`, `shelve.open`, pandas' `read_pickle`;
- `torch.load(...)` unless it passes `weights_only=True` literally;
- any call with `allow_pickle=True` (numpy's `np.load` refuses pickles by default).
The scanner itself is checked on snippets that must and must not be flagged.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCANNED = [REPO / "src", REPO / "benchmarks"]

PICKLE_MODULES = {"pickle", "_pickle", "cPickle", "dill", "cloudpickle", "joblib", "marshal"}
PICKLE_READERS = {"load", "loads", "Unpickler"}


def _dotted(node: ast.AST) -> str:
    """'a.b.c' for a Name/Attribute chain, '' for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else ""
    return ""


def _is_true(call: ast.Call, keyword: str) -> bool:
    return any(
        k.arg == keyword and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in call.keywords
    )


def unsafe_loads(source: str, filename: str = "<snippet>") -> list[str]:
    """'file:line: what' for every call in `source` that could unpickle data."""
    tree = ast.parse(source, filename=filename)
    # names bound by `from pickle import loads` / `from torch import load as tl`
    imported: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        name = imported.get(name, name)
        module, _, attr = name.rpartition(".")
        what = None
        pickle_reader = module.split(".")[-1] in PICKLE_MODULES and attr in PICKLE_READERS
        if pickle_reader or name == "shelve.open" or attr == "read_pickle":
            what = f"{name}(): unpickles"
        elif name in {"torch.load", "torch.serialization.load"} and not _is_true(
            node, "weights_only"
        ):
            what = f"{name}() without weights_only=True"
        elif any(k.arg == "allow_pickle" for k in node.keywords) and not any(
            k.arg == "allow_pickle" and isinstance(k.value, ast.Constant) and k.value.value is False
            for k in node.keywords
        ):
            what = f"{name or 'call'}(allow_pickle=...) not literally False"
        if what:
            found.append(f"{filename}:{node.lineno}: {what}")
    return found


@pytest.mark.parametrize(
    "snippet",
    [
        "import pickle\npickle.load(open('f', 'rb'))",
        "import pickle\nx = pickle.loads(b'')",
        "import pickle\npickle.Unpickler(f).load()",
        "from pickle import loads\nloads(b'')",
        "from pickle import load as pl\npl(f)",
        "import _pickle\n_pickle.loads(b'')",
        "import dill\ndill.load(f)",
        "import joblib\njoblib.load('model.joblib')",
        "import shelve\nshelve.open('db')",
        "import pandas as pd\npd.read_pickle('f.pkl')",
        "import torch\ntorch.load('f.pt')",
        "import torch\ntorch.load('f.pt', weights_only=False)",
        "import torch\ntorch.load('f.pt', weights_only=flag)",
        "from torch import load\nload('f.pt')",
        "import torch\ntorch.serialization.load('f.pt')",
        "import numpy as np\nnp.load('a.npy', allow_pickle=True)",
        "import numpy as np\nnp.load('a.npz', allow_pickle=maybe)",
    ],
)
def test_scanner_flags_unpickling(snippet):
    assert len(unsafe_loads(snippet)) == 1, snippet


@pytest.mark.parametrize(
    "snippet",
    [
        "import torch\ntorch.load('f.pt', weights_only=True)",
        "import torch\ntorch.load('f.pt', map_location='cpu', weights_only=True)",
        "import numpy as np\nnp.load('a.npy')",
        "import numpy as np\nnp.load('a.npy', allow_pickle=False)",
        "import pickle\nblob = pickle.dumps(obj)",
        "import json\njson.loads('{}')",
        "from safetensors.torch import load_file\nload_file('w.safetensors')",
        "model.load_state_dict(state)",
        "# torch.load('f.pt')\nx = 'pickle.loads(data)'",
    ],
)
def test_scanner_passes_safe_code(snippet):
    assert unsafe_loads(snippet) == [], snippet


def test_no_unpickling_anywhere_in_the_source_tree():
    files = [p for folder in SCANNED if folder.is_dir() for p in sorted(folder.rglob("*.py"))]
    assert len(files) > 50  # the tree was found: src alone has dozens of modules
    found = []
    for path in files:
        found += unsafe_loads(path.read_text(encoding="utf-8"), str(path.relative_to(REPO)))
    assert found == [], (
        "learnlab must never unpickle a file (weights: safetensors; metadata: JSON); "
        "use torch.load(..., weights_only=True) at most:\n" + "\n".join(found)
    )
