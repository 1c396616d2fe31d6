#!/bin/sh
# bench/homogenize/run.sh - worm-homogenize on a synthetic corpus with the
# shape of the published collection (issue 3; never part of `make check`).
#
#   sh bench/homogenize/run.sh [WORMS]     (default 912; e.g. 60 for a smoke test)
#
# The corpus (tests/gen/gen-homogenize-corpus.c: WORMS worms in turn as CSV,
# plain HDF5 matrix and leifer2023 text files; 600..6000 samples; 8..190
# labeled neurons + 10% unlabeled) is generated once into $BENCH_DIR
# (default ${TMPDIR:-/tmp}/wk-bench-homogenize/WORMS) and reused.  Then:
#   1. worm-homogenize on the whole corpus, one command, -o a file:
#      wall and CPU time, worms per second, peak RSS (targets: < 60 s,
#      < 200 MB on the 2-core reference machine);
#   2. the same without the original arrays (--no-original);
#   3. the same with an uncompressed output (--level 0: what a tool writes
#      into a pipe by default), to show the share of deflate;
#   4. the baseline: the pipe of single tools (worm-import | worm-derivative
#      | worm-smooth | worm-resample | worm-normalize) on 30 of the h5 worms,
#      against worm-homogenize on the same files: time ratio;
#   5. with WK_BASE_BIN set (the tools of another build, e.g. of an older
#      commit: git clone -q REPO /tmp/base && make -C /tmp/base
#      build/bin/worm-homogenize), run 1 again with those tools, and the
#      ratios of CPU time and peak RSS (this build / that build), which
#      hold on a loaded machine where wall-clock times do not, and whether
#      the two outputs have the same bytes (both runs go through PATH with
#      one SOURCE_DATE_EPOCH, so their history lines are the same).
#
# The issue's "50 times faster per worm than the reference Python
# pipeline" is measured by bench/homogenize/reference.sh (optional: it needs
# a checkout of the reference and its Python modules).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
worms=${1:-912}
cd "$top"
# WK_BIN and WK_GEN (folders of built tools and generators) skip the build
if [ -z "${WK_BIN:-}" ]; then
    make -s build/bin/worm-homogenize build/bin/worm-import build/bin/worm-derivative build/bin/worm-smooth \
        build/bin/worm-resample build/bin/worm-normalize build/gen/gen-homogenize-corpus
fi
bin=${WK_BIN:-$top/build/bin}
gen=${WK_GEN:-$top/build/gen}
dir=${BENCH_DIR:-${TMPDIR:-/tmp}/wk-bench-homogenize/$worms}
out=$(mktemp -d "${TMPDIR:-/tmp}/wk-bench-out.XXXXXX")
trap 'rm -rf "$out"' EXIT

if [ ! -f "$dir/.done" ]; then
    echo "generating $worms worms in $dir ..."
    rm -rf "$dir"
    mkdir -p "$dir"
    "$gen/gen-homogenize-corpus" "$dir" "$worms" 1
    touch "$dir/.done"
fi
# absolute paths: run 1 works in $out
absolute() { (cd "$1" && pwd); }
dir=$(absolute "$dir") bin=$(absolute "$bin")
[ -z "${WK_BASE_BIN:-}" ] || WK_BASE_BIN=$(absolute "$WK_BASE_BIN")
echo "corpus: $worms worms, $(du -sh "$dir" | cut -f1) ($(ls "$dir/csv" | wc -l) csv, $(ls "$dir/h5" | wc -l) h5, $(ls "$dir/leifer2023" | grep -c _gcamp) leifer2023)"

# measure NAME COMMAND...: wall s, CPU s, peak RSS (/usr/bin/time -v)
measure() {
    _name=$1; shift
    /usr/bin/time -v "$@" 2>"$out/time.txt" >/dev/null || { cat "$out/time.txt" >&2; exit 1; }
    _wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out/time.txt" |
        awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
    _cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$out/time.txt")
    _rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/time.txt")
    printf '%-34s wall %7.1f s  cpu %7.1f s  %7.1f worms/s (cpu: %6.1f)  peak RSS %6.1f MB\n' "$_name" "$_wall" "$_cpu" \
        "$(echo "$worms $_wall" | awk '{ print $1 / $2 }')" "$(echo "$worms $_cpu" | awk '{ print $1 / $2 }')" \
        "$(echo "$_rss" | awk '{ print $1 / 1024 }')"
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# run 1 through PATH, with a fixed SOURCE_DATE_EPOCH, so that the history
# line (command and time) is the same for both builds and the outputs can
# be compared byte for byte
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
homogenize_all() {
    measure "$1" sh -c "cd '$out' && PATH='$2':\$PATH && worm-homogenize -q -o all.h5 '$dir/csv' '$dir/h5' &&
        worm-homogenize -q --dataset leifer2023 -o leifer.h5 '$dir/leifer2023'"
}
homogenize_all "worm-homogenize (all, originals)" "$bin"
cpu_new=$_cpu rss_new=$_rss
size_new=$(cat "$out/all.h5" "$out/leifer.h5" | wc -c)
echo "output: $(du -ch "$out/all.h5" "$out/leifer.h5" | tail -1 | cut -f1) ($size_new bytes)"
if [ -n "${WK_BASE_BIN:-}" ]; then
    mv "$out/all.h5" "$out/new-all.h5"
    mv "$out/leifer.h5" "$out/new-leifer.h5"
    homogenize_all "baseline build (all, originals)" "$WK_BASE_BIN"
    size_base=$(cat "$out/all.h5" "$out/leifer.h5" | wc -c)
    echo "$cpu_new $_cpu $rss_new $_rss $size_new $size_base" | awk '{ printf "this build / baseline build: cpu %.1f / %.1f s = %.2f, peak RSS %.1f / %.1f MB = %.2f, output %.1f / %.1f MB = %.2f\n", $1, $2, $1 / $2, $3 / 1024, $4 / 1024, $3 / $4, $5 / 1048576, $6 / 1048576, $5 / $6 }'
    if cmp -s "$out/all.h5" "$out/new-all.h5" && cmp -s "$out/leifer.h5" "$out/new-leifer.h5"; then
        echo "output bytes: identical to the baseline build's"
    else
        echo "output bytes: DIFFER from the baseline build's"
    fi
    rm -f "$out/new-all.h5" "$out/new-leifer.h5"
fi
rm -f "$out/all.h5" "$out/leifer.h5"
measure "worm-homogenize --no-original" sh -c \
    "'$bin/worm-homogenize' -q --no-original -o '$out/all.h5' '$dir/csv' '$dir/h5' && '$bin/worm-homogenize' -q --no-original --dataset leifer2023 -o '$out/leifer.h5' '$dir/leifer2023'"
rm -f "$out/all.h5" "$out/leifer.h5"
measure "worm-homogenize --level 0" sh -c \
    "'$bin/worm-homogenize' -q --level 0 -o '$out/all.h5' '$dir/csv' '$dir/h5' && '$bin/worm-homogenize' -q --level 0 --dataset leifer2023 -o '$out/leifer.h5' '$dir/leifer2023'"
echo "output: $(du -ch "$out/all.h5" "$out/leifer.h5" | tail -1 | cut -f1) uncompressed"
rm -f "$out/all.h5" "$out/leifer.h5"

# baseline on the first 30 h5 worms: the pipe of single tools, each holding
# a whole file image in memory (uncompressed between the tools, deflated by
# the last one), against worm-homogenize on the same files
mkdir "$out/sub"
for f in $(ls "$dir/h5" | head -30); do ln -s "$dir/h5/$f" "$out/sub/$f"; done
n_sub=$(ls "$out/sub" | wc -l)
t0=$(date +%s.%N)
"$bin/worm-homogenize" -q --no-original -o "$out/one.h5" "$out/sub"
t1=$(date +%s.%N)
"$bin/worm-import" -q "$out/sub" | "$bin/worm-derivative" -q | "$bin/worm-smooth" -q --method moving --window 15 |
    "$bin/worm-resample" -q --dt 0.333 | "$bin/worm-normalize" -q --method zscore >"$out/pipe.h5"
t2=$(date +%s.%N)
echo "$n_sub $t0 $t1 $t2" | awk '{ printf "baseline, %d h5 worms: worm-homogenize %.1f s, pipe of single tools %.1f s: ratio %.2f\n", $1, $3 - $2, $4 - $3, ($4 - $3) / ($3 - $2) }'
