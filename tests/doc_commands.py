"""Run a Markdown page's command lines and Python blocks as a newcomer types them after the
README's set-up (`make demo`, `make test`), so that the page cannot drift from the code.

What the set-up leaves behind is rebuilt in a temporary folder (`make_workspace`):

- `.venv`: a fresh virtual environment (`python -m venv`) that sees the packages of the venv
  running the tests, and the learnlab under test first; its `bin/learnlab` is the console
  script pip writes for the `learnlab` entry point;
- the data folder recorded in that venv by the Makefile's own `data-record` rule (what
  `make demo` and `make test` run), so commands find the data with NO `LEARNLAB_DATA`;
- `docs/`: a copy of the repository's docs (commands read its examples; `reproduce` writes
  there), and the files that the page shows in blocks headed `# name.py` (e.g. `my_net.py`).

Each command then runs as a subprocess from that folder with a fresh environment: only PATH
and a temporary HOME (so an empty user cache), plus the test run's OMP_NUM_THREADS when set
(how many threads the shared test machine allows, not something the page asks for).

A shell block's lines are joined at a trailing backslash and read like a shell would
(shlex: quotes, `# comments` dropped). Every command must be listed in the caller's table of
fast variants (`run_page(..., fast=...)`): the value is the command actually run, where a
leading `...` stands for the line as printed (`"..."`: fast as printed; `"... --epochs 1"`:
appended) and anything else replaces it (`"learnlab reproduce NAME --quick"`). A line missing
from the table fails the test, so a new long command cannot slip in. Placeholders (`RUN`,
`runs/<run>`) become run directories printed by earlier `learnlab train` lines; any other
`<...>` in a command fails. Python blocks run as files with the venv's python.

The `train` lines and the lines that name their runs run in page order in one such folder;
every other command and Python block is independent and runs in a folder of its own, two at a
time, so that the page takes about half its CPU time on two cores.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHELL_LANGUAGES = {"", "sh", "bash", "shell", "console"}
# The set-up itself: `make_workspace` reproduces what it leaves behind; it is not re-run here
# (it installs packages and trains for minutes).
SET_UP = {"make demo", "make test"}
RUN_PLACEHOLDERS = {"RUN", "runs/<run>"}
AS_PRINTED = "..."
_FILE_HEADER = re.compile(r"#\s*([\w.-]+\.(?:py|toml))(?::.*)?")
_PLACEHOLDER = re.compile(r"<[\w -]+>")
_FENCE = re.compile(r"^(`{3,})\s*([\w+-]*)\s*$")
_ASSIGNMENT = re.compile(r"[A-Za-z_]\w*=.*")  # `OMP_NUM_THREADS=2 .venv/bin/learnlab ...`
_SHELL_OPERATORS = {"|", "||", "&&", ";", ">", ">>", "<", "&"}


def program_index(argv: tuple[str, ...] | list[str]) -> int:
    """Where the program is in a command line: after its leading VAR=value words."""
    return next((i for i, word in enumerate(argv) if not _ASSIGNMENT.fullmatch(word)), len(argv))


def subcommand(argv: tuple[str, ...] | list[str]) -> str:
    """The word after the program (`train` of `learnlab train ...`), or ""."""
    i = program_index(argv) + 1
    return argv[i] if i < len(argv) else ""


@dataclass(frozen=True)
class Block:
    """A fenced block of a page: its language ("" when none), text and first line's number."""

    language: str
    text: str
    line: int

    @property
    def file_name(self) -> str | None:
        """`name.py` when the block shows a file (its first line is `# name.py` or
        `# name.py: what it is`), else None."""
        first = self.text.split("\n", 1)[0]
        match = _FILE_HEADER.fullmatch(first.strip())
        return match.group(1) if match else None


@dataclass(frozen=True)
class Command:
    """One command line of a shell block, as the shell would split it."""

    argv: tuple[str, ...]
    line: int

    @property
    def key(self) -> str:
        """The line as printed, with the program's folder and the comments dropped: the key of
        the table of fast variants (`.venv/bin/learnlab list` -> `learnlab list`)."""
        i = program_index(self.argv)
        return " ".join([*self.argv[:i], Path(self.argv[i]).name, *self.argv[i + 1 :]])


def fenced_blocks(markdown: str) -> list[Block]:
    """The fenced (```) blocks of a Markdown text, in order."""
    blocks, lines = [], markdown.splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        fence, start = opening.group(1), i
        i += 1
        while i < len(lines) and lines[i].strip() != fence:
            i += 1
        if i == len(lines):
            raise ValueError(f"line {start + 1}: the block opened here is never closed")
        blocks.append(Block(opening.group(2).lower(), "\n".join(lines[start + 1 : i]), start + 2))
        i += 1
    return blocks


def command_lines(block: Block) -> list[Command]:
    """The commands of a shell block: continuation lines joined, comments and blanks dropped."""
    commands, pending, first = [], "", 0
    for number, text in enumerate(block.text.splitlines(), block.line):
        if not pending:
            first = number
        if text.rstrip().endswith("\\"):
            pending += text.rstrip()[:-1] + " "
            continue
        argv = shlex.split(pending + text, comments=True)
        pending = ""
        if _SHELL_OPERATORS & set(argv):
            raise ValueError(f"line {first}: write one command a line, without pipes or ;")
        if argv:
            commands.append(Command(tuple(argv), first))
    if pending:
        raise ValueError(f"line {first}: a command ends with a backslash")
    return commands


def page_commands(page: Path) -> list[Command]:
    """Every command of a page's shell blocks, the set-up lines included."""
    blocks = fenced_blocks(page.read_text(encoding="utf-8"))
    return [c for b in blocks if b.language in SHELL_LANGUAGES for c in command_lines(b)]


def unlisted_commands(page: Path, fast: dict[str, str]) -> list[str]:
    """The commands of `page` that `fast` does not list (and are not the set-up)."""
    keys = [c.key for c in page_commands(page)]
    return [f"{page.name}: {k}" for k in keys if k not in fast and k not in SET_UP]


@dataclass
class Workspace:
    """What the set-up leaves (a venv with the data folder recorded, an empty HOME, docs/ and
    the page's files), from which folders like the repository root are made, one per task."""

    folder: Path
    env: dict[str, str]
    seconds: dict[str, float] = field(default_factory=dict)

    def repo_folder(self, name: str, files: dict[str, str]) -> Path:
        """A new folder like the repository root after the set-up, holding `files` too."""
        root = self.folder / name
        root.mkdir()
        (root / ".venv").symlink_to(self.folder / ".venv", target_is_directory=True)
        shutil.copytree(REPO / "docs", root / "docs")
        for file_name, text in files.items():
            (root / file_name).write_text(text, encoding="utf-8")
        return root

    def run(self, argv: list[str], cwd: Path, what: str, timeout: float) -> str:
        """Run `argv` in `cwd`; fail with its output unless it exits 0; return its stdout."""
        started = time.perf_counter()
        try:
            proc = subprocess.run(
                argv, cwd=cwd, env=self.env, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired as exc:
            raise AssertionError(f"{what}: still running after {timeout:.0f} s") from exc
        self.seconds[what] = time.perf_counter() - started
        if proc.returncode != 0:
            raise AssertionError(
                f"{what}: exit code {proc.returncode}\n$ {shlex.join(argv)}\n"
                f"--- stdout ---\n{proc.stdout[-3000:]}\n--- stderr ---\n{proc.stderr[-3000:]}"
            )
        return proc.stdout


def overlay_venv(venv: Path) -> None:
    """A venv whose site-packages add the running venv's, with the learnlab under test first,
    and whose bin/learnlab is the entry point's console script, as pip writes it."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    (venv / ".installed").touch()  # the Makefile's stamp: installed, newer than pyproject.toml
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site_packages = venv / "lib" / version / "site-packages"
    import learnlab

    tested_src = Path(learnlab.__file__).resolve().parents[1]
    running = sysconfig.get_paths()["purelib"]
    (site_packages / "_learnlab_under_test.pth").write_text(
        f"{tested_src}\nimport site; site.addsitedir({running!r})\n", encoding="utf-8"
    )
    (entry,) = importlib.metadata.entry_points(group="console_scripts", name="learnlab")
    script = venv / "bin" / "learnlab"
    script.write_text(
        f"#!{venv / 'bin' / 'python'}\nimport sys\nfrom {entry.module} import {entry.attr}\n"
        f"sys.exit({entry.attr}())\n",
        encoding="utf-8",
    )
    script.chmod(0o755)


def make_workspace(folder: Path, data_folder: Path) -> Workspace:
    """The state `make demo` / `make test` leave, in `folder`: the venv, with the data folder
    recorded by the Makefile's own rule, and an empty HOME."""
    overlay_venv(folder / ".venv")
    make = ["make", "--silent", "-C", str(REPO), "data-record", f"VENV={folder / '.venv'}"]
    subprocess.run([*make, f"LEARNLAB_DATA={data_folder}"], check=True, capture_output=True)
    home = folder / "home"
    home.mkdir()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home)}
    if "OMP_NUM_THREADS" in os.environ:
        env["OMP_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"]
    return Workspace(folder, env)


def fast_argv(command: Command, fast: dict[str, str]) -> list[str]:
    """The command to run for `command`, from the table of fast variants."""
    variant = fast[command.key]
    if variant.startswith(AS_PRINTED):
        argv = [*command.argv, *shlex.split(variant[len(AS_PRINTED) :])]
    else:
        words, i = shlex.split(variant), program_index(command.argv)
        j = program_index(words)
        assert words[j] == Path(command.argv[i]).name, f"{variant!r} runs another program"
        argv = [*words[:j], command.argv[i], *words[j + 1 :]]
    return argv


@dataclass(frozen=True)
class Step:
    """A command to run (`argv`, placeholders not filled yet) or a Python block's text."""

    what: str
    argv: tuple[str, ...] = ()
    python: str = ""

    @property
    def uses_runs(self) -> bool:
        """A `train` line (it makes a run) or a line naming an earlier run: these run in page
        order, in one folder; every other step is independent and runs in a folder of its own."""
        return subcommand(self.argv) == "train" or any(w in RUN_PLACEHOLDERS for w in self.argv)


def page_steps(page: Path, fast: dict[str, str], python_session: bool = False) -> list[Step]:
    """The page's commands (as the test runs them) and Python blocks, in order; with
    `python_session`, the Python blocks are one step, run in one interpreter like a notebook
    (a page whose blocks build on each other), after the commands."""
    unlisted = unlisted_commands(page, fast)
    assert not unlisted, (
        f'not in the table of fast variants: {unlisted}; add each ("..." if it takes '
        "seconds as printed, else a faster variant)"
    )
    steps = []
    for block in fenced_blocks(page.read_text(encoding="utf-8")):
        where = f"{page.name} line"
        if block.language in SHELL_LANGUAGES:
            for c in command_lines(block):
                if c.key not in SET_UP:
                    steps.append(Step(f"{where} {c.line}: {c.key}", tuple(fast_argv(c, fast))))
        elif block.language == "python" and not block.file_name:
            steps.append(Step(f"{where} {block.line}: python block", python=block.text + "\n"))
    if python_session:
        blocks = [s for s in steps if s.python]
        session = "".join(f"# --- {s.what} ---\n{s.python}" for s in blocks)
        steps = [s for s in steps if not s.python]
        if blocks:
            steps.append(Step(f"{page.name}: its {len(blocks)} python blocks", python=session))
    return steps


def page_files(page: Path) -> dict[str, str]:
    """The files the page shows (blocks headed `# name.py`): name -> text."""
    blocks = fenced_blocks(page.read_text(encoding="utf-8"))
    return {b.file_name: b.text + "\n" for b in blocks if b.file_name}


def _fill_placeholders(argv: tuple[str, ...], runs: list[str], what: str) -> list[str]:
    """RUN and runs/<run>: the last k runs made by `learnlab train`, for k such words."""
    k = sum(word in RUN_PLACEHOLDERS for word in argv)
    assert len(runs) >= k, f"{what}: needs {k} runs made by earlier `train` lines"
    chosen = iter(runs[len(runs) - k :])
    filled = [next(chosen) if word in RUN_PLACEHOLDERS else word for word in argv]
    unknown = [w for w in filled if _PLACEHOLDER.search(w)]
    assert not unknown, f"{what}: placeholder {unknown} has no value; add it to RUN_PLACEHOLDERS"
    return filled


def run_steps(steps: list[Step], ws: Workspace, cwd: Path) -> None:
    """Run `steps` in order in `cwd`; a `train` line's run fills the later placeholders."""
    runs: list[str] = []
    for step in steps:
        if step.python:
            script = cwd / (re.sub(r"\W+", "_", step.what.split(":")[0]) + ".py")
            script.write_text(step.python, encoding="utf-8")
            python = str(cwd / ".venv" / "bin" / "python")
            ws.run([python, script.name], cwd, step.what, timeout=120)
            continue
        argv = _fill_placeholders(step.argv, runs, step.what)
        # `VAR=value program ...` as a shell runs it; env finds a program given by its path
        runnable = ["env", *argv] if program_index(argv) else argv
        lines = ws.run(runnable, cwd, step.what, timeout=120).strip().splitlines()
        made = lines[-1] if lines else ""
        if (
            subcommand(argv) == "train"
            and (cwd / made / "config.json").is_file()
            and made not in runs
        ):
            runs.append(made)  # a resumed run is not a new one


def run_page(
    page: Path,
    ws: Workspace,
    fast: dict[str, str],
    *,
    python_session: bool = False,
    workers: int = 2,
) -> None:
    """Run the page's steps: the ones that make or use runs in page order in one folder, each
    other step in a folder of its own, `workers` at a time; then report every failure.
    `python_session`: the Python blocks run in one interpreter (see `page_steps`)."""
    steps, files = page_steps(page, fast, python_session), page_files(page)
    chain = [s for s in steps if s.uses_runs]
    tasks = ([chain] if chain else []) + [[s] for s in steps if not s.uses_runs]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [
            pool.submit(run_steps, task, ws, ws.repo_folder(f"{page.stem}-{i}", files))
            for i, task in enumerate(tasks)
        ]
    errors = [f.exception() for f in futures if f.exception() is not None]
    failures = [f"{type(e).__name__}: {e}" for e in errors]
    assert not failures, "\n\n".join(failures)
