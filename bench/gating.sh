#!/usr/bin/env bash
# Applies the Gating-ML compliance gate sets to 1,000,000 events (data1.fcs and data2.fcs repeated)
# with niche and with FlowKit, one thread each, side by side in one run, and prints the ratios.
# FCS reading is excluded from both timings. Usage: bench/gating.sh [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
suite=../shared/data/gatingml2
[ -d "$suite" ] || { echo "needs $suite (the Gating-ML compliance suite)" >&2; exit 1; }
venv=bench/.venv-flowkit # FlowKit pins an older FlowIO: it gets its own environment
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q flowkit==1.3.2
fi
repeats=${1:-5}
work=${TMPDIR:-/tmp}/niche_gating_bench
mkdir -p "$work"
cargo build --release -q -p niche-cyto --example bench_gating
bin=target/release/examples/bench_gating
[ -f "$work/data2_1m.fcs" ] || "$bin" write "$suite" "$work"

export RAYON_NUM_THREADS=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1
for set in 1 2; do
  niche=$("$bin" time "$work/data${set}_1m.fcs" "$suite/gates${set}.xml" "$repeats")
  flowkit=$("$venv/bin/python" bench/gating.py "$work/data${set}_1m.fcs" "$suite/gates${set}.xml" "$repeats")
  n_ms=$(echo "$niche" | awk 'NR==1 {print $2}')
  f_ms=$(echo "$flowkit" | awk 'NR==1 {print $2}')
  echo "gates${set}.xml on 1M events: niche median ${n_ms} ms, FlowKit median ${f_ms} ms, ratio FlowKit/niche = $(awk -v a="$f_ms" -v b="$n_ms" 'BEGIN {printf "%.1f", a / b}')"
  # populations whose counts differ between the two tools
  diff <(echo "$niche" | grep '^count' | sort) <(echo "$flowkit" | grep '^count' | sort) \
    | awk '/^[<>]/ {side = ($1 == "<") ? "niche" : "FlowKit"; print "  differs: " $3 " " side " " $4}' || true
done
