#!/usr/bin/env bash
# Seeds fuzz/corpus/TARGET (git-ignored) from the project's fixtures, a small reproduction (NICHE=path/to/niche
# to use a built binary) and,
# when present, ../shared/data (read only). Run from the repository root: bash fuzz/seed_corpora.sh
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared/data
c=fuzz/corpus
mkdir -p $c/{fcs_reader,gatingml,flowjo,assay,study,lab_design,blot}
small() { find "$@" -type f -size -256k 2>/dev/null; }   # libFuzzer mutates small inputs faster

# a small lab run: FCS tubes of 300 events, a plate, its layout, blots, a study file
lab=$(mktemp -d)
trap 'rm -rf "$lab"' EXIT
${NICHE:-cargo run --quiet -p niche-cli --} reproduce --events 300 --repeats 0 --no-validate -o "$lab/rep" >/dev/null
mkdir -p "$lab/run" && cp -r "$lab/rep/raw/." "$lab/run/"

cp $(small crates/niche-fcs/tests/malformed crates/niche-fcs/tests/data) $c/fcs_reader/ 2>/dev/null || true
cp $(find "$lab/run" -name '*.fcs' | head -6) $c/fcs_reader/
[ -d $shared ] && cp $(small $shared/fcs $shared/gatingml2 -name '*.fcs' -o -type f -name '*.B08' -o -type f -name '*.lmd') $c/fcs_reader/ 2>/dev/null || true

cp crates/niche-cyto/strategies/*.xml $c/gatingml/
[ -d $shared ] && cp $shared/gatingml2/gates*.xml $c/gatingml/
[ -d $shared ] && find $shared/flowjo -name '*.wsp' -size -256k -exec cp {} $c/flowjo/ \;

find "$lab/run" \( -name '*.csv' -o -name '*layout*.toml' \) -exec cp {} $c/assay/ \;
find "$lab/run" -name 'study.toml' -exec cp {} $c/study/ \;
cp fuzz/seeds/lab_design/* $c/lab_design/
find "$lab/run" -name '*.tif' -exec cp {} $c/blot/ \;
find "$lab/run" -name '*blot*.toml' -exec cp {} $c/blot/ \;
small crates/niche-assay/tests/fixtures/blot -name '*.tif' | head -4 | xargs -r cp -t $c/blot/
for t in $c/*; do echo "$t: $(ls "$t" | wc -l) seeds"; done
