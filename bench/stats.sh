#!/usr/bin/env bash
# niche-stats against scipy, side by side in one run on the same data: exact Mann-Whitney 100 vs 100
# with ties, 100 vs 100 and 300 vs 300 without, Tukey's and Dunnett's tests on 10 groups of 10. Every
# call gets fresh data of the same sizes; cold (first call) and warm (median) times are printed, the
# ratio is of the warm times. A last ratio compares niche with itself: the exact P with ties against
# the exact P without ties counted afresh (no cached distribution). Usage: bench/stats.sh [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
venv=bench/.venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -c "import scipy" 2>/dev/null || "$venv/bin/pip" install -q scipy numpy
repeats=${1:-10}
data=${TMPDIR:-/tmp}/niche_stats_bench.json
"$venv/bin/python" bench/stats.py --write "$data" "$repeats"
cargo build --release -q -p niche-stats --example bench_stats
all=$(target/release/examples/bench_stats "$data")
# the measures scipy also times, in the order bench/stats.py prints them; then niche's own
niche=$(echo "$all" | grep -v _uncached)
uncached=$(echo "$all" | grep _uncached)
scipy=$("$venv/bin/python" bench/stats.py "$data")
echo "$all" | sed 's/^/niche /'
echo "$scipy" | sed 's/^/scipy /'
paste <(echo "$niche") <(echo "$scipy") | awk '{ printf "ratio scipy/niche %s = %.2f (cold %.2f)\n", $1, $12 / $5, $10 / $3 }'
# issue 23 holds the exact P with ties to at most twice the time of the exact P without ties
# counted afresh (warm medians: the uncached calls follow untimed ones, so none of them is cold)
paste <(echo "$niche" | grep ties_100x100 | grep -v no_ties) <(echo "$uncached") |
  awk '{ printf "ratio niche ties/no-ties-uncached mann_whitney_exact_100x100 = %.2f\n", $5 / $12 }'
