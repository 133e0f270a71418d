#!/usr/bin/env bash
# Runs the README's main job (`niche reproduce`) and opens its report in headless Chromium
# (Debian's package, installed here if missing): the page must load without console errors, and
# a screenshot is saved beside the report. The pass/fail table of the published targets is the
# report's content; this check is about the page itself.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null; then
  echo "installing Debian's chromium"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || { echo "chromium is needed for the report check and could not be installed" >&2; exit 1; }
fi
# `cargo test --workspace` has built the binary; building it alone would resolve features anew
[ -x target/debug/niche ] || cargo build --quiet -p niche-cli
out=target/ci_report
rm -rf "$out"
start=$(date +%s)
target/debug/niche reproduce -o "$out" > "$out.txt"
echo "niche reproduce (debug build) took $(( $(date +%s) - start )) s; $(grep -c . "$out.txt") lines of text report"
profile=$(mktemp -d)
log=$(mktemp)
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --enable-logging=stderr --v=0 --window-size=1200,2400 \
  --screenshot="$PWD/$out/screenshot.png" "file://$PWD/$out/report.html" 2> "$log" || true
rm -rf "$profile"
if grep -E "CONSOLE|Uncaught|Refused to" "$log"; then
  echo "the report logged console errors in Chromium (above)" >&2
  exit 1
fi
[ -s "$out/screenshot.png" ] || { echo "Chromium wrote no screenshot" >&2; cat "$log" >&2; exit 1; }
echo "report opened in Chromium without console errors; screenshot $out/screenshot.png"
