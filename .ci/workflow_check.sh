#!/usr/bin/env bash
# The Snakemake workflow (issue 21): installs Snakemake 9 and its Slurm executor plugin into
# .ci/.venv-workflow (.ci/requirements-workflow.txt), runs workflow/config/example.yaml with
# --cores 2 on the niche binary `cargo test` built (put on PATH, as the workflow expects), checks
# its outputs, and dry-runs the Slurm profile (`--executor slurm --dry-run`).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.ci/.venv-workflow
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c "import snakemake, snakemake_executor_plugin_slurm" 2>/dev/null \
  || "$venv/bin/pip" install --quiet -r .ci/requirements-workflow.txt
# `cargo test --workspace` has built the binary; building it alone would resolve features anew
[ -x target/debug/niche ] || cargo build --quiet -p niche-cli
export PATH="$PWD/target/debug:$PWD/$venv/bin:$PATH"
echo "snakemake $(snakemake --version), niche from $(command -v niche)"
work=target/ci_workflow
rm -rf "$work"
start=$(date +%s)
snakemake -s workflow/Snakefile --configfile workflow/config/example.yaml --directory "$work" --cores 2 --quiet rules
echo "example workflow (lab → 2 analysis shards → merge → report; a 4 × 3 grid in 3 shards) took $(( $(date +%s) - start )) s"
out="$work/niche_workflow"
[ -s "$out/report/report.html" ] || { echo "the workflow wrote no report" >&2; exit 1; }
rows=$(grep -c . "$out/scans/vcr_amd.csv")
[ "$rows" -eq 13 ] || { echo "the merged scan has $rows lines, not 13" >&2; exit 1; }
echo "report $out/report/report.html, $(grep -c . "$out/report.txt") lines of text report, merged scan of $((rows - 1)) grid points"
snakemake -s workflow/Snakefile --configfile workflow/config/example.yaml --directory "$work/slurm" \
  --profile workflow/profiles/slurm --executor slurm --dry-run > "$work/slurm_dry_run.txt" 2>&1
grep -q "This was a dry-run" "$work/slurm_dry_run.txt" || { cat "$work/slurm_dry_run.txt" >&2; exit 1; }
echo "Slurm profile: snakemake --executor slurm --dry-run passes ($(grep -c '^rule ' "$work/slurm_dry_run.txt") jobs planned)"
