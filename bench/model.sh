#!/usr/bin/env bash
# The co-culture model in niche (diffsol BDF, Rust) and in libRoadRunner (CVODE, LLVM JIT) on the
# same SBML export (`niche model export-sbml`), side by side.
#
# One 24 h well: REPEATS + 1 wells, each a fresh dose and donor (bench/model.py --write, the same
# list for both tools); the first call's time (cold) and the median of the others (warm) are
# printed, with each tool's largest relative error in the 24 h readouts against a tight reference
# (libRoadRunner at rtol 1e-12, atol 1e-14 x scale; see bench/model.py). Both tools run at niche's
# tolerances (rtol 1e-6, atol 1e-9 x each state's scale) with output points 0 and 24 h.
#
# The grid: 20 x 20 VCR x AMD3100 with DONORS donors per point in niche (rayon, both cores) and
# DONORS_RR in libRoadRunner (single-threaded, to keep the run short); the ratio is per simulation.
# Usage: bench/model.sh [REPEATS] [DONORS] [DONORS_RR]
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-200}; donors=${2:-100}; donors_rr=${3:-10}
venv=bench/.venv-roadrunner
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c "import roadrunner, numpy" 2>/dev/null || "$venv/bin/pip" install -q libroadrunner numpy
work=${TMPDIR:-/tmp}/niche_model_bench
mkdir -p "$work"
cargo build --release -q -p niche-cli
cargo build --release -q -p niche-model --example bench_model
target/release/niche model export-sbml --force -o "$work/model.xml"
"$venv/bin/python" bench/model.py --write "$work/wells.tsv" "$((repeats + 1))"
niche=$(target/release/examples/bench_model "$work/wells.tsv" "$work/niche_states.tsv" "$donors")
rr=$("$venv/bin/python" bench/model.py "$work/model.xml" "$work/wells.tsv" "$work/niche_states.tsv" "$donors_rr")
niche_err=$(echo "$rr" | awk '$1 == "niche_max_rel_err_24h" { print $2 }')
niche_well="$(echo "$niche" | grep '^one_well') max_rel_err_24h $niche_err"
rr_well=$(echo "$rr" | grep '^one_well')
echo "niche      $niche_well"
echo "roadrunner $rr_well"
echo "$niche" | grep '^grid' | sed 's/^/niche      /'
echo "$rr" | grep '^grid' | sed 's/^/roadrunner /'
echo "$rr" | grep '^reference_check' | sed 's/^/reference  /'
paste <(echo "$niche_well") <(echo "$rr_well") | awk '{ printf "ratio roadrunner/niche one well = %.2f (cold %.2f)\n", $14 / $5, $12 / $3 }'
paste <(echo "$niche" | grep '^grid') <(echo "$rr" | grep '^grid') | awk '{ printf "ratio roadrunner/niche per grid simulation = %.2f (niche on 2 cores)\n", $12 / $5 }'
