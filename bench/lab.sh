#!/usr/bin/env bash
# The virtual lab on the full seed study (5 groups × 6 replicates × 3 tubes, plate, 3 blots) at
# three event counts, and `niche reproduce` end to end, release build, REPEATS runs each (median).
# The difference between event counts is the cytometer's share; at 100 events what remains is the
# model (donor variability fit + 30 wells), the plate and the blots.
# Also times `niche model validate` (the issue's budget: under a minute on 2 cores).
# Usage: bench/lab.sh [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-5}
cargo build --release -q -p niche-cli
work=${TMPDIR:-/tmp}/niche_lab_bench
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
for events in 100 20000 200000; do
  t=$(for _ in $(seq "$repeats"); do
    t=$(for _ in $(seq "$repeats"); do
  s=$(date +%s.%N); target/release/niche model validate > /dev/null 2>&1; e=$(date +%s.%N)
  awk -v a="$s" -v b="$e" "BEGIN { printf \"%.3f\\n\", b - a }"
done | median)
echo "model validate (leave-one-out, profiles, alternative mechanism; 2 threads): median $t s"
rm -rf "$work"
    s=$(date +%s.%N); target/release/niche lab run --events "$events" -o "$work" 2>/dev/null; e=$(date +%s.%N)
    awk -v a="$s" -v b="$e" "BEGIN { printf \"%.3f\\n\", b - a }"
  done | median)
  echo "lab run, $events events per tube: median $t s"
done
for replications in 0 20; do
  t=$(for _ in $(seq "$repeats"); do
    t=$(for _ in $(seq "$repeats"); do
  s=$(date +%s.%N); target/release/niche model validate > /dev/null 2>&1; e=$(date +%s.%N)
  awk -v a="$s" -v b="$e" "BEGIN { printf \"%.3f\\n\", b - a }"
done | median)
echo "model validate (leave-one-out, profiles, alternative mechanism; 2 threads): median $t s"
rm -rf "$work"
    s=$(date +%s.%N); target/release/niche reproduce -o "$work" --repeats "$replications" > /dev/null 2>&1; e=$(date +%s.%N)
    awk -v a="$s" -v b="$e" "BEGIN { printf \"%.3f\\n\", b - a }"
  done | median)
  echo "reproduce (model → lab → analysis → report), 20000 events, $replications replications: median $t s"
done
t=$(for _ in $(seq "$repeats"); do
  s=$(date +%s.%N); target/release/niche model validate > /dev/null 2>&1; e=$(date +%s.%N)
  awk -v a="$s" -v b="$e" "BEGIN { printf \"%.3f\\n\", b - a }"
done | median)
echo "model validate (leave-one-out, profiles, alternative mechanism; 2 threads): median $t s"
rm -rf "$work"
