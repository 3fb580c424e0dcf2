"""tests/doc_commands.py, the executor of the README's and docs/api.md's commands: how it reads
a page, and that it refuses what it cannot run as printed (an unlisted command, a placeholder
without a value, a command that fails)."""

from __future__ import annotations

from pathlib import Path

import pytest

PAGE = """# A page

```
make demo   # the set-up: not re-run
.venv/bin/learnlab train --dataset digits \\
    --model mlp   # a comment, dropped
.venv/bin/learnlab runs --where "test_accuracy>0.5"
```

```python
# my_net.py: a file the commands use
def build(input_shape, num_outputs): ...
```

```python
print("hello")
```
"""


def write(tmp_path: Path, text: str) -> Path:
    page = tmp_path / "page.md"
    page.write_text(text, encoding="utf-8")
    return page


def test_a_page_is_read_as_a_shell_reads_it(tmp_path, doc_commands):
    page = write(tmp_path, PAGE)
    commands = doc_commands.page_commands(page)
    assert [c.key for c in commands] == [
        "make demo",
        "learnlab train --dataset digits --model mlp",
        "learnlab runs --where test_accuracy>0.5",
    ]
    assert [c.line for c in commands] == [4, 5, 7]
    assert doc_commands.page_files(page) == {
        "my_net.py": "# my_net.py: a file the commands use\n"
        "def build(input_shape, num_outputs): ...\n"
    }
    fast = {
        "learnlab train --dataset digits --model mlp": "... --epochs 1",
        "learnlab runs --where test_accuracy>0.5": "...",
    }
    steps = doc_commands.page_steps(page, fast)
    assert [s.argv[1:] for s in steps if s.argv] == [
        ("train", "--dataset", "digits", "--model", "mlp", "--epochs", "1"),
        ("runs", "--where", "test_accuracy>0.5"),
    ]
    assert [s.python for s in steps if s.python] == ['print("hello")\n']  # not the file block


def test_a_command_without_a_fast_variant_fails(tmp_path, doc_commands):
    page = write(tmp_path, PAGE)
    fast = {"learnlab runs --where test_accuracy>0.5": "..."}
    assert doc_commands.unlisted_commands(page, fast) == [
        "page.md: learnlab train --dataset digits --model mlp"
    ]
    with pytest.raises(AssertionError, match="not in the table of fast variants"):
        doc_commands.page_steps(page, fast)


def test_placeholders_take_earlier_runs_and_unknown_ones_fail(doc_commands):
    fill = doc_commands._fill_placeholders
    argv = ("learnlab", "runs", "compare", "RUN", "RUN")
    assert fill(argv, ["runs/a", "runs/b", "runs/c"], "x") == [
        "learnlab",
        "runs",
        "compare",
        "runs/b",
        "runs/c",
    ]
    with pytest.raises(AssertionError, match="needs 2 runs"):
        fill(argv, ["runs/a"], "x")
    with pytest.raises(AssertionError, match="has no value"):
        fill(("learnlab", "describe", "<name>"), [], "x")


def test_a_failing_command_or_block_fails_with_its_line(tmp_path, data_root, doc_commands):
    page = write(
        tmp_path,
        "```\n.venv/bin/learnlab train --dataset nope\n```\n\n"
        "```python\nraise SystemExit(3)\n```\n",
    )
    workspace = doc_commands.make_workspace(tmp_path / "ws", data_root)
    fast = {"learnlab train --dataset nope": "..."}
    with pytest.raises(AssertionError) as failure:
        doc_commands.run_page(page, workspace, fast)
    message = str(failure.value)
    assert "page.md line 2: learnlab train --dataset nope: exit code 2" in message
    assert "unknown dataset" in message.lower() or "nope" in message
    assert "page.md line 6: python block: exit code 3" in message


def test_variable_assignments_stay_with_the_command_and_pipes_are_refused(doc_commands):
    block = doc_commands.Block("", "OMP_NUM_THREADS=2 .venv/bin/learnlab train --epochs 1", 3)
    (command,) = doc_commands.command_lines(block)
    assert command.key == "OMP_NUM_THREADS=2 learnlab train --epochs 1"
    assert doc_commands.subcommand(command.argv) == "train"
    fast = {command.key: "learnlab train --epochs 1 --set limit_train=10"}
    assert doc_commands.fast_argv(command, fast) == [
        ".venv/bin/learnlab",
        "train",
        "--epochs",
        "1",
        "--set",
        "limit_train=10",
    ]
    with pytest.raises(ValueError, match="one command a line"):
        doc_commands.command_lines(doc_commands.Block("", ".venv/bin/learnlab runs | head", 1))
