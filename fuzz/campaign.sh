#!/usr/bin/env bash
# The fuzzing campaign: runs each target until it has used CPU_SECONDS of CPU in all (counting the
# rounds already in fuzz/campaign.tsv, so the campaign resumes where a sitting ended; rounds of 5
# minutes' wall time), and appends one row per round to fuzz/campaign.tsv: date, target, CPU seconds,
# executions, corpus size, outcome.
#
#   bash fuzz/seed_corpora.sh                   # once: corpora from fixtures, a lab run, ../shared/data
#   bash fuzz/campaign.sh 1200                  # every target, to 20 CPU-minutes each
#   bash fuzz/campaign.sh 300 gatingml flowjo   # some targets
#
# Stable toolchain, no sanitizer (-s none): a crash is a panic or abort, a hang is a >10 s input, an
# out-of-memory is >2 GiB RSS. Crashing inputs land in fuzz/artifacts/TARGET/.
set -uo pipefail
cd "$(dirname "$0")/.."
budget=${1:-1200}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fcs_reader gatingml flowjo assay study lab_design blot)
declare -A dict=([fcs_reader]=fcs [gatingml]=xml [flowjo]=xml [assay]=toml [study]=toml [lab_design]=toml [blot]=toml)
declare -A maxlen=([fcs_reader]=65536 [gatingml]=16384 [flowjo]=32768 [assay]=8192 [study]=8192 [lab_design]=4096 [blot]=65536)
round=300   # wall seconds per round; a busy machine gives a round less CPU, so rounds repeat
log=fuzz/campaign.tsv
# CPU seconds (user + system) of the shell's finished children, from the builtin `times`
children_cpu() {
  tail -1 "$1" | tr 'ms' '  ' | awk '{ printf "%d", $1 * 60 + $2 + $3 * 60 + $4 }'
}
[ -f $log ] || printf 'date\ttarget\tcpu_s\texecs\tcorpus\toutcome\n' > $log
cargo fuzz build -s none
bin=fuzz/target/x86_64-unknown-linux-gnu/release
for t in "${targets[@]}"; do
  used=$(awk -F'\t' -v t="$t" '$2 == t { s += $3 } END { print s + 0 }' $log)
  mkdir -p fuzz/corpus/$t fuzz/artifacts/$t
  while [ "$used" -lt "$budget" ]; do
    out=$(mktemp)
    times > "$out.before"
    "$bin/$t" fuzz/corpus/$t -dict=fuzz/dict/${dict[$t]}.dict -max_len=${maxlen[$t]} \
      -max_total_time=$round -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix=fuzz/artifacts/$t/ >"$out" 2>&1
    rc=$?
    times > "$out.after"
    if grep -q "ParseDictionaryFile: error" "$out"; then
      echo "$t: the dictionary fuzz/dict/${dict[$t]}.dict does not parse: $(grep -m1 -A1 ParseDictionaryFile "$out" | tr '\n' ' ')" >&2
      rm -f "$out"*
      exit 2
    fi
    cpu=$(( $(children_cpu "$out.after") - $(children_cpu "$out.before") ))
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out" | grep -o '[0-9]*$' || echo '?')
    corpus=$(ls fuzz/corpus/$t | wc -l)
    outcome=ok
    [ $rc -ne 0 ] && outcome="FOUND: $(grep -m1 -oE 'deadly signal|panicked at [^ ]*|timeout|out-of-memory|ERROR: libFuzzer: [a-z-]*' "$out" | head -1) ($(ls -t fuzz/artifacts/$t | head -1))"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$cpu" "$execs" "$corpus" "$outcome" >> $log
    echo "$t: round of ${round}s wall, ${cpu}s CPU, $execs executions, $outcome"
    [ $rc -ne 0 ] && { cp "$out" fuzz/artifacts/$t/last_run.log; rm -f "$out"*; break; }
    rm -f "$out"*
    used=$((used + cpu))
  done
done
