#!/bin/sh
# demo.sh - `make demo`: the wormkit pipeline on data-samples/, through
# pipes, with a short report.  Outputs go to demo-out/.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
WK_BIN=${WK_BIN:-$top/build/bin}
PATH=$WK_BIN:$PATH
export PATH LC_ALL=C
out=$top/demo-out
mkdir -p "$out"
start=$(date +%s)

say() { printf '%s\n' "$*"; }
tsv_field() { # tsv_field FILE ROW COLUMN_NAME: value of a named column
    awk -F'\t' -v row="$2" -v col="$3" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i }
        NR == row + 1 { print $c }' "$1"
}

say "== wormkit demo (data-samples/ -> demo-out/)"

say ""
say "-- homogenize: import two CSV worms, smooth, resample, z-score"
worm-import --dataset demo --report "$out/labels.tsv" \
        "$here/csv/worm1.csv" "$here/csv/worm2.csv" \
    | worm-smooth --method moving --window 15 \
    | worm-resample --dt 0.333 \
    | worm-normalize --method zscore -o "$out/homogenized.h5"
worm-info "$out/homogenized.h5"
worm-info --check "$out/homogenized.h5"
canon=$(awk -F'\t' 'NR > 1 && $3 == "canonical"' "$out/labels.tsv" | wc -l)
other=$(awk -F'\t' 'NR > 1 && $3 != "canonical"' "$out/labels.tsv" | wc -l)
say "labels: $canon mapped to atlas columns, $other kept as extra columns (demo-out/labels.tsv)"

say ""
say "-- select the AV* and RI* neurons of the first 60 s, export a long table"
worm-select --neurons 'AV*,RI*,AS*' --time 0:60 "$out/homogenized.h5" \
    | worm-export --layout long > "$out/selected.tsv"
say "selected: $(($(wc -l < "$out/selected.tsv") - 1)) values of neurons $(awk -F'\t' 'NR > 1 { print $2 }' "$out/selected.tsv" | sort -u | tr '\n' ' ')"

say ""
say "-- simulated worms with known brain states (data-samples/worms.h5)"
worm-info --format tsv "$here/worms.h5" > "$out/worms-info.tsv"
n=$(($(wc -l < "$out/worms-info.tsv") - 1))
say "$n worms, $(tsv_field "$out/worms-info.tsv" 1 samples) samples each, $(tsv_field "$out/worms-info.tsv" 1 labeled) labeled neurons"
worm-select --recording sim1 "$here/worms.h5" | worm-smooth --method zero-phase --sigma 3 \
    | worm-derivative | worm-info --format tsv > "$out/sim1.tsv"
say "sim1 smoothed (zero-phase) and differentiated: NaN fraction $(tsv_field "$out/sim1.tsv" 1 nan_fraction)"

end=$(date +%s)
say ""
say "demo finished in $((end - start)) s; outputs in demo-out/"
