#!/bin/sh
# bench/homogenize/reference.sh - issue 3's "at least 50 times faster per
# worm than the reference Python pipeline on the same input": times the
# reference's own leifer2023 preprocessing and worm-homogenize on the same
# worms.  Optional, never part of `make check`; wormkit does not depend on
# Python, nothing of the reference is in this repository: bring your own
# checkout of it.
#
#   REF=/path/to/worm-data-preprocess sh bench/homogenize/reference.sh [FOLDER]
#
# FOLDER holds leifer2023 raw files as wormkit reads them (NAME_gcamp.txt,
# NAME_labels.txt, NAME_t.txt per worm); default: the leifer2023 folder of
# run.sh's 60-worm corpus (BENCH_DIR, default
# ${TMPDIR:-/tmp}/wk-bench-homogenize/60, generated if absent: 20 worms of
# 600..6000 samples and 8..209 neurons).  WORMS=N: the first N worms only.
#
# leifer2023 is the format the reference reads with the least adaptation.
# Each worm is laid out alone in a scratch folder as the reference expects
# its download: files renamed 0_*, times rewritten in exponent notation
# (its parser splits at the "e"; same values) and 3 empty files (it counts
# the worms of a folder as files / 6).  Then, on those same files:
#   reference  reference-driver.py: one Python process; per worm one call
#              of Leifer2023Preprocessor.preprocess() with the reference's
#              own configuration (moving average 15, dt 0.333 s, linear,
#              z-score; iterative imputation and bad-trace filters), one
#              thread; Python's start-up and imports not counted;
#   wormkit    worm-homogenize -@ 1 --dataset leifer2023 --reference-filters
#              (the same imputation and filters), REPEAT runs (default 3)
#              averaged, process start-up counted.
# Prints per worm the CPU seconds of both and their ratio, then the seconds
# per worm (CPU and wall) and the overall ratio.  CPU seconds hold on a
# loaded machine, wall seconds only on an idle one.
#
# Skips (exit 0, with a message) when REF is not a checkout of the
# reference or its modules do not import with PYTHON (default python3).
# The reference imports at start-up numpy, pandas, torch, scikit-learn,
# scipy, h5py, tqdm, mat73, pynwb and torch_geometric (the last three are
# not Debian packages: put them, or stand-ins, on PYTHONPATH; leifer2023
# calls none of them).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
python=${PYTHON:-python3}
repeat=${REPEAT:-3}
max=${WORMS:-0}
for _n in "$repeat" "$max"; do
    case $_n in
    *[!0-9]* | '') echo "reference.sh: WORMS and REPEAT must be whole numbers, not '$_n'" >&2; exit 2 ;;
    esac
done
[ "$repeat" -gt 0 ] || { echo "reference.sh: REPEAT must be at least 1" >&2; exit 2; }

skip() {
    echo "reference.sh: skipped: $*"
    exit 0
}
[ -n "${REF:-}" ] || skip "set REF to a checkout of the reference pipeline (worm-data-preprocess)"
[ -f "$REF/preprocess/preprocessors/_neural.py" ] ||
    skip "'$REF' is not a checkout of the reference pipeline (no preprocess/preprocessors/_neural.py)"
REF=$(cd "$REF" && pwd)
if ! why=$(cd "$REF" && PYTHONPATH="$REF${PYTHONPATH:+:$PYTHONPATH}" "$python" -c 'import preprocess._pkg' 2>&1 >/dev/null); then
    skip "the reference's modules do not import with $python: $(echo "$why" | tail -1)"
fi

cd "$top"
if [ -z "${WK_BIN:-}" ]; then
    make -s build/bin/worm-homogenize build/bin/worm-info build/gen/gen-homogenize-corpus
fi
bin=${WK_BIN:-$top/build/bin}
gen=${WK_GEN:-$top/build/gen}
if [ $# -ge 1 ]; then
    folder=$1
else
    dir=${BENCH_DIR:-${TMPDIR:-/tmp}/wk-bench-homogenize/60}
    if [ ! -f "$dir/.done" ]; then
        echo "generating 60 worms in $dir ..."
        rm -rf "$dir"
        mkdir -p "$dir"
        "$gen/gen-homogenize-corpus" "$dir" 60 1
        touch "$dir/.done"
    fi
    folder=$dir/leifer2023
fi
folder=$(cd "$folder" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wk-bench-ref.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# lay_out NAME: the worm NAME alone, as the reference reads its download
lay_out() {
    _d=$tmp/lay/$1/Leifer2023
    mkdir -p "$_d"
    ln -s "$folder/$1_gcamp.txt" "$_d/0_gcamp.txt"
    ln -s "$folder/$1_labels.txt" "$_d/0_labels.txt"
    awk '{ printf "%.18e\n", $1 }' "$folder/$1_t.txt" >"$_d/0_t.txt"
    for _k in 1 2 3; do : >"$_d/0_placeholder$_k.txt"; done
}

names=$(for f in "$folder"/*_gcamp.txt; do if [ -f "$f" ]; then basename "$f" _gcamp.txt; fi; done)
[ -n "$names" ] || { echo "reference.sh: no leifer2023 worm (NAME_gcamp.txt) in '$folder'" >&2; exit 1; }
if [ "$max" -gt 0 ]; then names=$(echo "$names" | head -n "$max"); fi
roots=
for n in $names; do
    lay_out "$n"
    roots="$roots $tmp/lay/$n"
done
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); reference $(git -C "$REF" rev-parse --short HEAD 2>/dev/null || echo '(not git)')"
echo "timing the reference on $(echo "$names" | wc -l) worms from '$folder' ..."

# reference: one line per worm, DATASET ROOT worms wall cpu
# shellcheck disable=SC2086
(cd "$tmp" && PYTHONPATH="$REF${PYTHONPATH:+:$PYTHONPATH}" "$python" "$top/bench/homogenize/reference-driver.py" \
    "$REF" Leifer2023 $roots) 2>"$tmp/ref.err" | grep '^Leifer2023	' >"$tmp/ref.tsv" ||
    true
if [ "$(wc -l <"$tmp/ref.tsv")" -ne "$(echo "$names" | wc -l)" ]; then
    tail -5 "$tmp/ref.err" >&2
    echo "reference.sh: the reference failed" >&2
    exit 1
fi

# wormkit: name worms wall cpu, averaged over $repeat runs
for n in $names; do
    _d=$tmp/lay/$n/Leifer2023
    rm -f "$tmp/wk.h5"
    "$bin/worm-homogenize" -@ 1 -q --dataset leifer2023 --reference-filters -o "$tmp/wk.h5" "$_d" 2>/dev/null || true
    _w=0
    [ -f "$tmp/wk.h5" ] && _w=$("$bin/worm-info" "$tmp/wk.h5" | tail -n +2 | wc -l)
    /usr/bin/time -f '%e %U %S' -o "$tmp/time.txt" sh -c "i=0; while [ \$i -lt $repeat ]; do
        '$bin/worm-homogenize' -@ 1 -q --dataset leifer2023 --reference-filters -o '$tmp/wk.h5' '$_d' 2>/dev/null; i=\$((i + 1)); done"
    awk -v n="$n" -v w="$_w" -v k="$repeat" '{ printf "%s\t%d\t%.4f\t%.4f\n", n, w, $1 / k, ($2 + $3) / k }' "$tmp/time.txt"
done >"$tmp/wk.tsv"

for n in $names; do
    printf '%s\t%d\t%d\n' "$n" "$(wc -l <"$folder/${n}_gcamp.txt")" "$(awk '{ print NF; exit }' "$folder/${n}_gcamp.txt")"
done >"$tmp/shape.tsv"
paste "$tmp/shape.tsv" "$tmp/ref.tsv" "$tmp/wk.tsv" | awk -F'\t' '
    BEGIN { printf "%-10s %7s %7s %11s %11s %8s\n", "worm", "samples", "neurons", "reference s", "wormkit s", "ratio" }
    {
        # shape: 1 name 2 T 3 N; reference: 4 dataset 5 root 6 worms 7 wall 8 cpu; wormkit: 9 name 10 worms 11 wall 12 cpu
        if ($6 != $10) printf "warning: worm %s: the reference wrote %d worms, wormkit %d\n", $1, $6, $10
        if ($6 == 0 || $10 == 0) { printf "%-10s %7d %7d   skipped (no worm written)\n", $1, $2, $3; next }
        printf "%-10s %7d %7d %11.3f %11.3f %8.1f\n", $1, $2, $3, $8, $12, $8 / $12
        n++; rc += $8; rw += $7; wc += $12; ww += $11
    }
    END {
        if (n == 0) { print "no worm written by both: no ratio"; exit 1 }
        printf "per worm (%d worms): reference cpu %.3f s, wall %.3f s; wormkit cpu %.4f s, wall %.4f s\n", n, rc / n, rw / n, wc / n, ww / n
        printf "ratio reference / wormkit: cpu %.1f, wall %.1f (target: at least 50)\n", rc / wc, rw / ww
    }'
