#!/usr/bin/env bash
# The co-culture model in niche (diffsol BDF, Rust) and in libRoadRunner (CVODE, LLVM JIT) on the
# same SBML export, side by side: one 24 h well, and a 20 x 20 VCR x AMD3100 grid with donors.
# libRoadRunner runs the grid single-threaded with DONORS_RR donors per point (default 10) to keep
# the run short; the ratio is per simulation, and niche's grid time uses both cores (rayon).
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
niche=$(target/release/examples/bench_model "$repeats" "$donors")
rr=$("$venv/bin/python" bench/model.py "$work/model.xml" "$repeats" "$donors_rr")
echo "$niche" | sed 's/^/niche      /'
echo "$rr" | sed 's/^/roadrunner /'
paste <(echo "$niche" | head -1) <(echo "$rr" | head -1) | awk '{ printf "ratio roadrunner/niche one well = %.2f\n", $8 / $3 }'
paste <(echo "$niche" | tail -1) <(echo "$rr" | tail -1) | awk '{ printf "ratio roadrunner/niche per grid simulation = %.2f (niche on 2 cores)\n", $12 / $5 }'
