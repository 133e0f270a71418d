#!/usr/bin/env bash
# Background subtraction of a 2048 x 2048 16-bit blot with niche and with ImageJ 1.52i (Debian's
# `imagej`, Java API, headless), side by side in one run: rolling ball and sliding paraboloid,
# radius 50. The pixel sums must agree (both compute ImageJ's result).
# Usage: bench/blot.sh [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-10}
jar=/usr/share/java/ij.jar
[ -f "$jar" ] || { echo "needs Debian's imagej package: apt-get install imagej"; exit 1; }
work=${TMPDIR:-/tmp}/niche_blot_bench
mkdir -p "$work"
cargo build --release -q -p niche-assay --example bench_blot
[ -f "$work/blot.tif" ] || target/release/examples/bench_blot write "$work/blot.tif"
javac -cp "$jar" -d "$work" bench/ImageJBlotBench.java
niche=$(target/release/examples/bench_blot time "$work/blot.tif" "$repeats")
imagej=$(java -Djava.awt.headless=true -cp "$jar:$work" ImageJBlotBench "$work/blot.tif" "$repeats")
echo "$niche" | sed 's/^/niche  /'
echo "$imagej" | sed 's/^/imagej /'
paste <(echo "$niche") <(echo "$imagej") | awk '{ printf "ratio imagej/niche %s = %.1f (sums %s vs %s)\n", $1, $8 / $3, $5, $10 }'
