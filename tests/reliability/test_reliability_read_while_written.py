"""A checkpoint read while its run replaces it: the reader gets one whole version.

`save_state` replaces the file atomically (temporary file, rename). A reader that opened the
file twice, once for the header and once for the data (as safetensors' `safe_open` does for
torch), could pair one version's offsets with the next version's bytes and fail the
checksum: `learnlab train --resume` of a run that was checkpointing every batch did, about
once in a hundred reads. Here a writer process replaces a checkpoint as fast as it can while
this process reads it: every read must verify.
"""

from __future__ import annotations

import subprocess
import sys
import time

import torch

from learnlab.train.checkpoint import load_state, save_state

# alternates two states with the same layout and different bytes, until killed
WRITER = """
import sys, torch
from pathlib import Path
from learnlab.train.checkpoint import save_state
path, k = Path(sys.argv[1]), 0
print("writing", flush=True)
while True:
    k += 1
    save_state(path, {"w": torch.full((64, 256), float(k)), "step": k})
"""


def test_reads_during_atomic_replacement_always_verify(tmp_path):
    path = tmp_path / "checkpoint.safetensors"
    save_state(path, {"w": torch.zeros(64, 256), "step": 0})
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout.readline().strip() == "writing"
        reads, deadline = 0, time.monotonic() + 1.5
        while time.monotonic() < deadline or reads < 200:
            state = load_state(path)  # raises DataError on a checksum mismatch
            assert bool((state["w"] == float(state["step"])).all())  # one version's bytes
            reads += 1
        assert writer.poll() is None, "the writer stopped: nothing was being replaced"
    finally:
        writer.kill()
        writer.communicate(timeout=60)
