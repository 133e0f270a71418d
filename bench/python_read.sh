#!/usr/bin/env bash
# Reads the 64 MB benchmark FCS file (1,000,000 events x 16 float channels, big-endian FCS 3.1) from
# Python into a materialised numpy array, every element touched (summed), with niche, fcsparser and
# FlowKit side by side in one run, warm page cache; niche returns the dtype each other tool returns
# (float32 like fcsparser, float64 like FlowKit). Prints the median times and the ratios.
# Usage: bench/python_read.sh [REPEATS] [FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
venv=bench/.venv-python
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -c "import fcsparser, flowkit, maturin" 2>/dev/null \
  || "$venv/bin/pip" install -q -r bench/requirements-python.txt
# niche's extension, release build, into the bench venv
(cd python && VIRTUAL_ENV="$PWD/../$venv" "../$venv/bin/maturin" develop --release -q) >&2
repeats=${1:-10}
file=${2:-${TMPDIR:-/tmp}/niche_bench_1m_x16.fcs}
case "$repeats" in
  '' | *[!0-9]*) echo "usage: bench/python_read.sh [REPEATS] [FILE]" >&2; exit 2 ;;
esac
if [ ! -f "$file" ]; then
  cargo build --release -q -p niche-fcs --example bench_file
  target/release/examples/bench_file write "$file"
fi
cat "$file" > /dev/null # warm the page cache
"$venv/bin/python" bench/python_read.py "$file" "$repeats"
