#!/usr/bin/env bash
# Throughput and memory of the work that issue 21 shards (niche analyze, niche model scan):
# - tubes per second of `niche analyze` and grid points per second of `niche model scan`, at 1 and
#   2 threads (RAYON_NUM_THREADS), median of REPEATS runs;
# - peak memory (maximum resident set, /usr/bin/time -v) of `niche analyze` on two study sizes,
#   the second with four times the FCS files: it must not grow with the number of files (each
#   well's files are read, gated and dropped; only per-well results are kept).
# Usage: bench/shard.sh [REPEATS]     (NICHE=path/to/niche to use another build; default: a release
# build if there is one, else the debug build, whose crates are built at opt-level 2)
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-3}
niche=${NICHE:-}
if [ -z "$niche" ]; then
  if [ -x target/release/niche ]; then niche=target/release/niche; else
    [ -x target/debug/niche ] || cargo build -q -p niche-cli
    niche=target/debug/niche
  fi
fi
niche=$(realpath "$niche")
echo "binary: $niche"
work=${TMPDIR:-/tmp}/niche_shard_bench
rm -rf "$work"; mkdir -p "$work"
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# Median wall time (s) of REPEATS runs of the command in $work (output discarded).
timed() {
  for _ in $(seq "$repeats"); do
    s=$(date +%s.%N); (cd "$work" && "$@" > /dev/null 2>&1); e=$(date +%s.%N)
    awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f\n", b - a }'
  done | median
}
groups='[[group]]
id = "all"

[[group]]
id = "coculture"
coculture = "MSC"

[[group]]
id = "coculture_amd"
coculture = "MSC"
treatments = { AMD3100 = "5 ug/mL" }

[[group]]
id = "coculture_vcr"
coculture = "MSC"
treatments = { vincristine = "1 umol/L" }

[[group]]
id = "coculture_vcr_amd"
coculture = "MSC"
treatments = { vincristine = "1 umol/L", AMD3100 = "5 ug/mL" }'
# two study sizes: 5 groups × 4 and × 16 donors, 3 tubes each, 20,000 events per tube
for n in 4 16; do
  printf 'replicates = { flow = %s, elisa = %s, blot = 3 }\nevents = 20000\n\n%s\n' "$n" "$n" "$groups" > "$work/design_$n.toml"
  (cd "$work" && RAYON_NUM_THREADS=2 "$niche" lab run --study "design_$n.toml" -o "lab_$n" 2>/dev/null)
done
tubes=$(( 5 * 16 * 3 ))
for threads in 1 2; do
  t=$(RAYON_NUM_THREADS=$threads timed "$niche" analyze lab_16/study.toml -o report --force)
  echo "analyze, $tubes tubes of 20000 events (+ $(ls "$work"/lab_16/elisa/*.csv | wc -l) plates, 3 blots), $threads thread(s): median $t s = $(awk -v n=$tubes -v t="$t" 'BEGIN { printf "%.1f", n / t }') tubes/s"
done
points=$(( 12 * 12 ))
donors=50
vcr=0,0.01,0.02,0.05,0.1,0.2,0.3,0.5,0.7,1,2,5
amd=0,0.1,0.2,0.5,1,2,3,5,7,10,20,50
for threads in 1 2; do
  t=$(RAYON_NUM_THREADS=$threads timed "$niche" model scan --vcr $vcr --amd $amd --msc --donors $donors)
  echo "model scan, $points grid points × $donors donors, $threads thread(s): median $t s = $(awk -v n=$points -v t="$t" 'BEGIN { printf "%.1f", n / t }') grid points/s"
done
for n in 4 16; do
  for threads in 1 2; do
    rss=$( (cd "$work" && RAYON_NUM_THREADS=$threads /usr/bin/time -v "$niche" analyze "lab_$n/study.toml" -o report --force 2>&1 >/dev/null) | awk -F': ' '/Maximum resident set size/ { print $2 }')
    files=$(( 5 * n * 3 ))
    bytes=$(du -cb "$work"/lab_"$n"/flow/*.fcs | tail -1 | cut -f1)
    echo "analyze peak memory, $files FCS files ($(( bytes / 1048576 )) MiB of FCS), $threads thread(s): max RSS $(( rss / 1024 )) MiB"
  done
done
largest=$(ls -S "$work"/lab_16/flow/*.fcs | head -1)
echo "largest single FCS file: $(( $(stat -c %s "$largest") / 1024 )) KiB"
rm -rf "$work"
