#!/usr/bin/env bash
# Reads one FCS file (1,000,000 events x 16 float channels, big-endian FCS 3.1, 64 MB of DATA) with
# niche, FlowIO 1.4 and fcsparser, and `cat > /dev/null`, side by side in one run, warm page cache,
# and prints the ratios. Usage: bench/fcs_read.sh [REPEATS] [FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
venv=bench/.venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q flowio==1.4.0 fcsparser six numpy pandas
fi
repeats=${1:-20}
file=${2:-${TMPDIR:-/tmp}/niche_bench_1m_x16.fcs}
case "$repeats" in
  '' | *[!0-9]*) echo "usage: bench/fcs_read.sh [REPEATS] [FILE]" >&2; exit 2 ;;
esac
cargo build --release -q -p niche-fcs --example bench_file
bin=target/release/examples/bench_file
[ -f "$file" ] || "$bin" write "$file"
cat "$file" > /dev/null # warm the page cache

niche_lines=$("$bin" time "$file" "$repeats")
others=$("$venv/bin/python" bench/fcs_read.py "$file" "$repeats")
echo "$niche_lines" | sed 's/^/niche /'
echo "$others"
for mode in fresh reused; do
  niche_ms=$(echo "$niche_lines" | awk -v m="$mode" '$1 == m {print $3}')
  echo "$others" | awk -v n="$niche_ms" -v m="$mode" '{ printf "ratio %s / niche (%s buffer) = %.2f\n", $1, m, $3 / n }'
done
