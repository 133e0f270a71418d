#!/usr/bin/env bash
# The campaign's table for docs/RELIABILITY.md, from fuzz/campaign.tsv: per target, rounds, CPU
# minutes, executions, final corpus size and findings. With --update, writes it into the doc between
# its <!-- campaign … --> and <!-- /campaign --> lines.
set -euo pipefail
cd "$(dirname "$0")/.."
table() {
awk -F'\t' 'NR > 1 {
  t = $2; rounds[t]++; cpu[t] += $3; execs[t] += ($4 == "?" ? 0 : $4); corpus[t] = $5
  if ($6 != "ok") found[t] = found[t] (found[t] ? "; " : "") $6
  if (!(t in first)) { first[t] = $1; order[++n] = t }
  last[t] = $1
} END {
  print "| target | rounds | CPU minutes | executions | corpus | findings | first round | last round |"
  print "|---|---:|---:|---:|---:|---|---|---|"
  for (i = 1; i <= n; i++) { t = order[i]
    printf "| %s | %d | %.1f | %d | %d | %s | %s | %s |\n", t, rounds[t], cpu[t] / 60, execs[t], corpus[t], (found[t] ? found[t] : "none"), first[t], last[t] }
}' fuzz/campaign.tsv
}
if [ "${1:-}" = "--update" ]; then
  table > fuzz/.table.md
  awk 'FNR == NR { t = t $0 "\n"; next }
       /^<!-- \/campaign -->/ { printf "%s", t; skip = 0 }
       !skip { print }
       /^<!-- campaign/ { skip = 1 }' fuzz/.table.md docs/RELIABILITY.md > docs/.RELIABILITY.md.tmp
  mv docs/.RELIABILITY.md.tmp docs/RELIABILITY.md
  rm fuzz/.table.md
else
  table
fi
