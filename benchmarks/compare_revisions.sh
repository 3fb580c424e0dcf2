#!/usr/bin/env bash
# Throughput of two revisions of learnlab, side by side on one machine: each revision's
# benchmarks/throughput.py runs on its own code (a temporary git worktree), in turn, ROUNDS
# times, so that drift of the machine hits both alike. Compare the Trainer / hand-written loop
# ratios (the hand-written loop is the same code in both, so it cancels the machine's state).
#
#   benchmarks/compare_revisions.sh BEFORE AFTER [ROUNDS]      e.g. main HEAD 2
#
# Prints each run's target lines; the full tables go to $OUT (default a temporary folder).
set -euo pipefail
before=$1 after=$2 rounds=${3:-2}
repo=$(git rev-parse --show-toplevel)
python=${PYTHON:-$repo/.venv/bin/python}
out=${OUT:-$(mktemp -d)}
trees=$(mktemp -d)
trap 'git -C "$repo" worktree remove --force "$trees/before" 2>/dev/null || true;
      git -C "$repo" worktree remove --force "$trees/after" 2>/dev/null || true' EXIT
git -C "$repo" worktree add -q --detach "$trees/before" "$before"
git -C "$repo" worktree add -q --detach "$trees/after" "$after"
for round in $(seq 1 "$rounds"); do
  for side in before after; do
    dir="$out/$side-$round"
    mkdir -p "$dir"
    (cd "$trees/$side/benchmarks" && PYTHONPATH="$trees/$side/src" LEARNLAB_BENCH_RESULTS="$dir" \
      "$python" throughput.py "${@:4}" > "$dir/stdout.txt" 2>&1)
    echo "== $side ($(git -C "$repo" rev-parse --short "${!side}")), round $round"
    grep "target" "$dir/stdout.txt" || true
  done
done
echo "tables in $out"
