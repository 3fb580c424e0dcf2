"""The README's command lines and Python blocks run as printed, after the set-up only.

Each command of README.md runs in a fresh environment (PATH and an empty HOME: no
LEARNLAB_DATA) from a folder prepared like the repository root after `make demo` / `make test`
(tests/doc_commands.py says how; the two make lines themselves are not re-run). A command
that trains for long runs the fast variant FAST gives; a command missing from FAST fails, so
that no long command joins the README without one.
"""

from __future__ import annotations

import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"

# The README's commands (program name without its folder, comments dropped) -> the command
# the test runs. "..." stands for the line as printed: "..." alone, it takes seconds as printed.
TRAIN_FAST = "... --epochs 1 --set limit_train=1000 --set baselines=false"
FAST = {
    "learnlab list": "...",
    "learnlab train --dataset mnist --model lenet5 --epochs 2": TRAIN_FAST,
    "learnlab train --dataset digits --model mlp --optimizer nesterov --lr 0.05 "
    "--set model_options.width=128 --set schedule=linear --set init=glorot_uniform": "...",
    "learnlab train --dataset mnist --model my_net.py:build": TRAIN_FAST,
    "learnlab train --resume runs/<run>": "...",
    "learnlab train --dataset digits --model mlp --epochs 1 --threads 1": "...",
    "learnlab describe lenet5": "...",
    "learnlab train --dataset digits --model mlp --epochs 2 --logger tensorboard": "...",
    "learnlab run quickstart": "... --set epochs=1 --set limit_train=1000",
    "learnlab runs": "...",
    "learnlab doctor --model lenet5 --dataset mnist": "...",
    "learnlab search --config docs/examples/search/digits.toml": "... --trials 2 --set epochs=2",
    "learnlab run learning-curve": "... --set dataset=digits --set sizes=[60,150,400,1000] "
    "--set min_steps=40 --set model_options.width=32 --set target_error=0.05",
    "learnlab runs --where test_accuracy>0.98 --sort test_accuracy": "...",
    "learnlab runs compare RUN RUN --html compare.html": "...",
    "learnlab report RUN": "...",
    "learnlab reproduce lenet5-mnist": "... --quick --set seeds=1 --set limit_train=1000",
    "learnlab analyze RUN hessian --k 3": "... --examples 100 --samples 4 --index-runs 2",
    "learnlab analyze RUN attack --eps 0.05 0.1 0.25": "... --examples 200",
    "learnlab reproduce fgsm": "... --quick",
    "learnlab reproduce large-batch": "... --quick",
    "learnlab train --dataset digits --model mlp --epochs 2 --nproc 2": "...",
    "learnlab export RUN --format onnx": "...",
}


def test_every_readme_command_has_a_fast_variant_or_is_fast(doc_commands):
    assert doc_commands.unlisted_commands(README, FAST) == []


def test_readme_runs_as_printed_after_the_set_up(tmp_path, data_root, doc_commands):
    started = time.perf_counter()
    workspace = doc_commands.make_workspace(tmp_path, data_root)
    doc_commands.run_page(README, workspace, FAST)
    print(f"README.md ran in {time.perf_counter() - started:.1f} s:", workspace.seconds)
