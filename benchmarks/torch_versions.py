"""The torch releases learnlab supports: the test suite in a fresh venv per torch version.

    python3 benchmarks/torch_versions.py [--versions 2.4.1 2.13.0 2.14.1] [--keep]
    python3 benchmarks/torch_versions.py --versions 2.13.0 --extras dev,mlflow \\
        --tests tests/cli/test_cli_logger.py --name logger_mlflow

pyproject.toml declares a range of torch versions (`torch>=A,<B`) so that learnlab installs
beside the torch a user already has; constraints.txt pins the one the README's set-up installs.
The range's lowest release and the pinned one must pass the suite, and this script is how that
is checked (not in CI: a torch other than the pinned one is a download of GBs, a CUDA build
from PyPI, which also runs on the CPU). For each version: a venv (under --venvs; reused when
it already holds that torch), `pip install torch==VERSION`, then `pip install -e '.[EXTRAS]'`
without the constraints (the way the README tells a user with their own torch: pip must keep
that torch, and the script checks it did), then `python -m pytest -q -p no:cacheprovider -x`
with OMP_NUM_THREADS=1: the default suite but the one test that reads this script's results,
or --tests. Uses only the standard library: run it with any Python 3.10+. Results:
benchmarks/results/<name>.json (one entry per version, replaced when run again) and a table on
stdout. Venvs made here are deleted afterwards unless --keep.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(os.environ.get("LEARNLAB_BENCH_RESULTS") or REPO / "benchmarks" / "results")
DEFAULT_VERSIONS = ("2.4.1", "2.13.0", "2.14.1")
# pytest's last line: "1211 passed, 5 skipped, 30 deselected in 512.34s (0:08:32)"
COUNT = re.compile(r"(\d+) (passed|failed|skipped|deselected|errors?|xfailed|xpassed)")


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, **kwargs)


def installed_torch(python: Path) -> str | None:
    if not python.exists():
        return None
    done = subprocess.run(
        [str(python), "-c", "import torch; print(torch.__version__)"],
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() if done.returncode == 0 else None


def prepare_venv(venv: Path, version: str, extras: str) -> tuple[Path, float, bool]:
    """A venv holding torch `version` and learnlab (editable) with `extras`: (its python, the
    seconds the installs took, whether it was made here)."""
    python = venv / "bin" / "python"
    made = not venv.exists()
    started = time.perf_counter()
    if made:
        run([sys.executable, "-m", "venv", str(venv)])
    if (installed_torch(python) or "").split("+")[0] != version:
        run([str(python), "-m", "pip", "install", "-q", f"torch=={version}"])
    # no -c constraints.txt: learnlab's own torch range must accept the torch installed above
    run([str(python), "-m", "pip", "install", "-q", "-e", f"{REPO}[{extras}]"])
    kept = installed_torch(python) or ""
    if kept.split("+")[0] != version:
        raise SystemExit(f"installing learnlab replaced torch {version} with {kept}")
    return python, time.perf_counter() - started, made


# the one test that reads this script's results: a run cannot need the results it produces
SELF_CHECK = "tests/test_torch_range.py::test_both_ends_of_the_range_passed_the_suite"


def run_suite(python: Path, tests: list[str]) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO / "src")}
    cmd = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", "-rfEs"]
    cmd += tests or ["--deselect", SELF_CHECK]
    print("+", " ".join(cmd), flush=True)
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    print("\n".join(lines[-15:]), flush=True)
    last = lines[-1] if lines else ""
    counts = {kind.rstrip("s"): int(n) for n, kind in COUNT.findall(last)}
    skips = [line for line in lines if line.startswith("SKIPPED")]
    failures = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
    return {
        "exit_code": done.returncode,
        "counts": counts,
        "seconds": round(seconds, 1),
        "summary": last,
        "skipped": skips,
        "failures": failures,
    }


def write_results(name: str, entries: dict[str, dict], what: str) -> Path:
    path = RESULTS / f"{name}.json"
    old = json.loads(path.read_text())["results"] if path.is_file() else {}
    data = {
        "benchmark": name,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cores": os.cpu_count(),
        },
        "what": what,
        "results": {**old, **entries},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--versions", nargs="+", default=list(DEFAULT_VERSIONS))
    parser.add_argument("--extras", default="dev", help="learnlab's extras to install")
    parser.add_argument("--tests", nargs="*", default=[], help="pytest arguments (default all)")
    parser.add_argument("--venvs", type=Path, default=Path("/tmp/learnlab-torch-venvs"))
    parser.add_argument("--name", default="torch_versions", help="the results file's name")
    parser.add_argument("--keep", action="store_true", help="keep the venvs made here")
    args = parser.parse_args()
    # started in the background by a non-interactive shell (`... &`), this process and its
    # children would ignore SIGINT, and the suite's Ctrl-C tests could not interrupt their
    # workers: a Python handler here becomes the default disposition in every child
    signal.signal(signal.SIGINT, signal.default_int_handler)
    entries = {}
    for version in args.versions:
        venv = args.venvs / f"torch-{version}"
        python, install_seconds, made = prepare_venv(venv, version, args.extras)
        suite = run_suite(python, args.tests)
        entries[version] = {
            "torch": installed_torch(python),
            "extras": args.extras,
            "tests": " ".join(args.tests) or "the default suite",
            "install_seconds": round(install_seconds, 1),
            "venv_mb": round(sum(f.stat().st_size for f in venv.rglob("*") if f.is_file()) / 2**20),
            **suite,
            "date": time.strftime("%Y-%m-%d"),
        }
        if made and not args.keep:
            shutil.rmtree(venv)
    what = "the test suite in a fresh venv per torch version (learnlab installed without the pin)"
    path = write_results(args.name, entries, what)
    print("\n| torch | result | passed | skipped | seconds |\n| --- | --- | ---: | ---: | ---: |")
    for e in entries.values():
        verdict = "pass" if e["exit_code"] == 0 else "FAIL"
        c = e["counts"]
        print(
            f"| {e['torch']} | {verdict} | {c.get('passed', 0)} | {c.get('skipped', 0)} "
            f"| {e['seconds']:.0f} |"
        )
    print(f"results: {path}")
    return 0 if all(e["exit_code"] == 0 for e in entries.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
