#!/usr/bin/env bash
# Applies the shared FlowJo workspaces to 1,000,000 events (their FCS files repeated) with niche and
# with FlowKit, one thread each, side by side in one run, and prints the ratios and any population
# whose counts differ. Workspace parsing and FCS reading are excluded from both timings.
# Usage: bench/wsp.sh [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
data=../shared/data/flowjo
[ -d "$data" ] || { echo "needs $data (the FlowJo workspaces)" >&2; exit 1; }
venv=bench/.venv-flowkit # FlowKit pins an older FlowIO: it gets its own environment
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q flowkit==1.3.2
fi
repeats=${1:-5}
work=${TMPDIR:-/tmp}/niche_wsp_bench
mkdir -p "$work/simple_diamond" "$work/simple_line"
cargo build --release -q -p niche-cyto --example bench_wsp
bin=target/release/examples/bench_wsp
[ -f "$work/simple_diamond/test_data_diamond_01.fcs" ] ||
  "$bin" write "$data/simple_diamond/test_data_diamond_01.fcs" "$work/simple_diamond/test_data_diamond_01.fcs"
[ -f "$work/simple_line/data_set_simple_line_100.fcs" ] ||
  "$bin" write "$data/simple_line/data_set_simple_line_100.fcs" "$work/simple_line/data_set_simple_line_100.fcs"

export RAYON_NUM_THREADS=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1
for wsp in simple_diamond/simple_diamond_example_quad_gate.wsp simple_diamond/test_data_diamond_asinh_rect.wsp \
  simple_diamond/test_data_diamond_biex_rect.wsp simple_line/single_ellipse_51_events.wsp; do
  dir=$work/$(dirname "$wsp")
  fcs=$(ls "$dir"/*.fcs)
  niche=$("$bin" time "$fcs" "$data/$wsp" "$repeats")
  flowkit=$("$venv/bin/python" bench/wsp.py "$dir" "$data/$wsp" "$repeats")
  n_ms=$(echo "$niche" | awk 'NR==1 {print $2}')
  f_ms=$(echo "$flowkit" | awk 'NR==1 {print $2}')
  echo "$(basename "$wsp") on 1M events: niche median ${n_ms} ms, FlowKit median ${f_ms} ms, ratio FlowKit/niche = $(awk -v a="$f_ms" -v b="$n_ms" 'BEGIN {printf "%.1f", a / b}')"
  diff <(echo "$niche" | grep '^count' | sort) <(echo "$flowkit" | grep '^count' | sort) \
    | awk '/^[<>]/ {side = ($1 == "<") ? "niche" : "FlowKit"; print "  differs: " $3 " " side " " $4}' || true
done
