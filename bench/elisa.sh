#!/usr/bin/env bash
# A 96-well ELISA analysis (4PL, unweighted and 1/Y^2) with niche and with scipy's curve_fit, side by
# side in one run. Usage: bench/elisa.sh [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
venv=bench/.venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c "import scipy" 2>/dev/null || "$venv/bin/pip" install -q scipy numpy
repeats=${1:-50}
work=${TMPDIR:-/tmp}/niche_elisa_bench
mkdir -p "$work"
"$venv/bin/python" bench/elisa.py --write "$work" $((repeats + 1))
cargo build --release -q -p niche-assay --example bench_elisa
niche=$(target/release/examples/bench_elisa "$work" $((repeats + 1)))
scipy=$("$venv/bin/python" bench/elisa.py "$work" $((repeats + 1)))
echo "$niche" | sed 's/^/niche /'
echo "$scipy" | sed 's/^/scipy /'
paste <(echo "$niche") <(echo "$scipy") | awk '{ printf "ratio scipy/niche %s = %.1f (cold %.1f)\n", $1, $12 / $5, $10 / $3 }'
