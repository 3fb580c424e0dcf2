"""The language model's text sample: generated once, kept as a table of the part's Result (one
row a line, so the report shows it and a resumed run reads it back), and written from that
table to `sample.txt` in the recipe's run directory.

`learnlab report RUN` rewrites only report.html files, from the run's files; it leaves
sample.txt as it is, and shows the sample from the part's tables.json.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from learnlab.recipes.char_transformer.config import CharTransformerConfig

if TYPE_CHECKING:
    from torch import nn

    from learnlab.result import Result

SAMPLE_TABLE = "Text sample"
SAMPLE_COLUMN = "generated text"
SAMPLE_FILE = "sample.txt"


def generate_sample(model: nn.Module, config: CharTransformerConfig, vocab: list[str]) -> str:
    """`sample_chars` characters after the prompt, from the sampling generator seeded with
    the recipe's seed (the global generators are not touched)."""
    import torch

    from learnlab.models.sampling import generate

    index = {c: i for i, c in enumerate(vocab)}
    prompt = torch.tensor([index[c] for c in config.sample_prompt])
    tokens = generate(
        model,
        prompt,
        config.sample_chars,
        context=config.context,
        temperature=config.temperature,
        top_k=config.top_k,
        seed=config.seed,
    )
    return "".join(vocab[int(t)] for t in tokens)


def sample_rows(sample: str) -> list[dict[str, str]]:
    """One row a line; split on "\\n" alone (the only line break in Tiny Shakespeare's
    vocabulary), so `sample_text` gives the sample back exactly."""
    return [{SAMPLE_COLUMN: line} for line in sample.split("\n")]


def sample_text(rows: list[dict[str, str]]) -> str:
    return "\n".join(row[SAMPLE_COLUMN] for row in rows)


def write_sample_file(run_dir: Path, language_model: Result) -> Path:
    """sample.txt (the sample and a newline) from the language-model part's table."""
    from learnlab.io.atomic import atomic_write_text

    path = Path(run_dir) / SAMPLE_FILE
    atomic_write_text(path, sample_text(language_model.tables[SAMPLE_TABLE]) + "\n")
    return path
