#!/usr/bin/env bash
# Runs one libFuzzer target (README.md): every committed regression and seed input once, then
# fuzzing from the seeds for SECONDS. New finds go to SCRATCH/corpus and crashes to
# SCRATCH/artifacts, never into the committed corpus. CTest (fuzz.<target>) and ops/fuzz run it.
# Usage: tests/fuzz/run.sh BINARY TARGET SECONDS SCRATCH
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 BINARY TARGET SECONDS SCRATCH" >&2; exit 2; }
bin=$1 target=$2 seconds=$3 scratch=$4
here=$(cd "$(dirname "$0")" && pwd)
seeds=$here/corpus/$target
[ -d "$seeds" ] || { echo "no seed corpus $seeds" >&2; exit 2; }
mkdir -p "$scratch/corpus" "$scratch/artifacts"

# Stacks with function names and lines: Debian installs llvm-symbolizer under a versioned
# directory, where the sanitizers do not look.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
symbolizer=$(ls /usr/lib/llvm-*/bin/llvm-symbolizer 2>/dev/null | sort -V | tail -n 1)
if [ -n "$symbolizer" ]; then
  ASAN_OPTIONS+=:external_symbolizer_path=$symbolizer
  UBSAN_OPTIONS+=:external_symbolizer_path=$symbolizer
fi

# Inputs that once crashed, then the seeds: each run once, by name, so a failure names its file.
shopt -s nullglob
inputs=("$here/regressions/$target"/* "$seeds"/*)
if [ ${#inputs[@]} -gt 0 ]; then
  "$bin" -artifact_prefix="$scratch/artifacts/" "${inputs[@]}" >"$scratch/replay.log" 2>&1 || {
    cat "$scratch/replay.log" >&2
    echo "fuzz.$target: a committed input fails (above)" >&2
    exit 1
  }
  echo "fuzz.$target: ${#inputs[@]} committed inputs pass"
fi

# The first corpus directory is the one libFuzzer writes to: the scratch one.
status=0
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$scratch/artifacts/" "$scratch/corpus" "$seeds" || status=$?
if [ $status -ne 0 ]; then
  echo "fuzz.$target: found a failing input (above: the artifact under $scratch/artifacts/)." >&2
  echo "Keep it as a regression: cp it to tests/fuzz/regressions/$target/ and fix the bug." >&2
fi
exit $status
