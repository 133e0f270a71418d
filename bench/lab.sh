#!/usr/bin/env bash
# The virtual lab on the full seed study (5 groups × 5 replicates × 3 tubes, plate, 3 blots) at
# three event counts, `niche reproduce` end to end, and `niche model validate`, release build,
# REPEATS runs each (median). The difference between event counts is the cytometer's share; at 100
# events what remains is the model (variance fit + 25 wells), the plate and the blots. The
# validation's budget is under a minute on 2 cores; issue 23's is 30 s for `model validate` and for
# `reproduce` with its 20 replications.
# Usage: bench/lab.sh [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-5}
cargo build --release -q -p niche-cli
work=${TMPDIR:-/tmp}/niche_lab_bench
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# Median wall time, in seconds, of REPEATS runs of the command (its output discarded; the work
# directory cleared before each run).
timed() {
  for _ in $(seq "$repeats"); do
    rm -rf "$work"
    s=$(date +%s.%N); "$@" > /dev/null 2>&1; e=$(date +%s.%N)
    awk -v a="$s" -v b="$e" "BEGIN { printf \"%.3f\\n\", b - a }"
  done | median
}
for events in 100 20000 200000; do
  echo "lab run, $events events per tube: median $(timed target/release/niche lab run --events "$events" -o "$work") s"
done
for replications in 0 20; do
  t=$(timed target/release/niche reproduce -o "$work" --repeats "$replications" --no-validate)
  echo "reproduce (model → lab → analysis → report), 20000 events, $replications replications: median $t s"
done
echo "reproduce as it runs by default (20 replications, the validation on a thread beside them): median $(timed target/release/niche reproduce -o "$work") s"
echo "model validate (leave-one-out, profiles, alternative mechanism; 2 threads): median $(timed target/release/niche model validate) s"
rm -rf "$work"
