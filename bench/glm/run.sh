#!/bin/sh
# bench/glm/run.sh - the switching GLM benchmark of Li et al. (ICLR 2024):
# S 5, N 20, L 5, T 2000, 50 sequences (30 training, 20 held out), fitted
# with each prior on one thread; prints every figure beside the reference
# figure of ../shared/specs/glm.md and their ratio, then the time and memory
# of one EM iteration on a full-size worm (N 300, T 5000, S 5).
#
#   sh bench/glm/run.sh            (from the top of the tree, after make)
#   BENCH_ADAM=1 sh bench/glm/run.sh   also the reference Adam schedule
#   BENCH_FULL=0 sh bench/glm/run.sh   skip the full-size worm
#   BENCH_PRIORS= sh bench/glm/run.sh  only the full-size worm
#   BENCH_BASELINE=/other/build/bin sh bench/glm/run.sh   also time each fit
#       with another build (e.g. the previous commit) in the same run and
#       print the speed-up of this build over it
# Times are CPU seconds (user), robust to other load on the machine; the
# system seconds (mostly reading the input) are printed beside them.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${WK_BIN:-$TOP/build/bin}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/wk-bench-glm.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

"$BIN/worm-simulate" glm -w 50 -T 2000 -n 20 -k 5 --lags 5 -s 1 -o bench.h5
awk 'BEGIN { printf "benchmark: S 5, N 20, L 5, T 2000, 30 training + 20 held-out sequences, 1 thread\n" }'

# reference figures (spec): state accuracy, weight MSE, test LL per held-out
# sequence, adjacency accuracy, balanced accuracy, macro F1, seconds
ref() {
    case $1 in
    none) echo "0.966 0.092 -34378 nan nan nan 200" ;;
    gaussian) echo "0.970 0.078 -34282 nan nan nan 200" ;;
    onehot) echo "0.967 0.087 -34258 0.72 0.63 0.58 250" ;;
    esac
}

metric() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

fit() { # label prior extra-options...
    label=$1 prior=$2
    shift 2
    /usr/bin/time -f "%U %M %S" -o time.txt "$BIN/worm-glm" -@1 -k 5 -p "$prior" --test-fraction 0.4 \
        --truth bench.h5 --summary "$label.tsv" -o "$label.h5" "$@" bench.h5
    read -r secs kb sys <time.txt
    base_secs=nan
    if [ -n "${BENCH_BASELINE:-}" ]; then
        /usr/bin/time -f "%U" -o base.txt "$BENCH_BASELINE/worm-glm" -@1 -k 5 -p "$prior" --test-fraction 0.4 \
            --truth bench.h5 -o "base-$label.h5" "$@" bench.h5
        read -r base_secs <base.txt
    fi
    set -- $(ref "$prior")
    awk -v label="$label" -v secs="$secs" -v kb="$kb" -v sys="$sys" \
        -v acc="$(metric state_accuracy "$label.tsv")" -v mse="$(metric weight_mse "$label.tsv")" \
        -v ll="$(metric test_loglik "$label.tsv")" -v adj="$(metric adjacency_accuracy "$label.tsv")" \
        -v bal="$(metric balanced_accuracy "$label.tsv")" -v f1="$(metric macro_f1 "$label.tsv")" \
        -v epochs="$(metric epochs "$label.tsv")" -v base_secs="$base_secs" \
        -v racc="$1" -v rmse="$2" -v rll="$3" -v radj="$4" -v rbal="$5" -v rf1="$6" -v rsecs="$7" '
    function row(name, ours, theirs, better) {
        if (theirs == "nan") printf "  %-26s %12.4f\n", name, ours
        else printf "  %-26s %12.4f   reference %10.4f   ratio %7.3f  %s\n", name, ours, theirs,
            ours / theirs, better
    }
    BEGIN {
        printf "%s (%d epochs, %.0f MB):\n", label, epochs, kb / 1024
        row("state accuracy", acc, racc, acc >= racc ? "ok" : "below")
        row("weight MSE", mse, rmse, mse <= rmse ? "ok" : "above")
        row("test LL per sequence", ll / 20, rll, ll / 20 >= rll ? "ok" : "below")
        row("adjacency accuracy", adj, radj, radj == "nan" ? "" : adj >= radj ? "ok" : "below")
        row("balanced accuracy", bal, rbal, rbal == "nan" ? "" : bal >= rbal ? "ok" : "below")
        row("macro F1", f1, rf1, rf1 == "nan" ? "" : f1 >= rf1 ? "ok" : "below")
        printf "  %-26s %12.2f   reference %10.1f   speed-up %7.1f x\n", "CPU seconds (1 thread)", secs, rsecs,
            rsecs / secs
        if (base_secs != "nan")
            printf "  %-26s %12.2f   this build %10.2f   speed-up %7.2f x\n", "CPU seconds, baseline build",
                base_secs, secs, base_secs / secs
        printf "  %-26s %12.2f\n", "system seconds", sys
    }'
}

for prior in ${BENCH_PRIORS-none gaussian onehot}; do
    fit "$prior" "$prior"
done
if [ "${BENCH_ADAM:-0}" = 1 ]; then
    fit onehot-adam-10x50 onehot --mstep adam -e 10 --steps 50 --tol 0
fi

if [ "${BENCH_FULL:-1}" = 1 ]; then
    "$BIN/worm-simulate" glm -w 1 -T 5000 -n 300 -k 5 -s 1 -o full.h5
    # one EM iteration = the run of 2 epochs minus the run of 1 (the
    # data-driven initialisation and the first epoch cancel)
    full_run() { # bin label
        for e in 1 2; do
            /usr/bin/time -f "%U %M" -o "$2$e.txt" "$1/worm-glm" -@1 -k 5 -e "$e" --tol 0 -o "$2$e.h5" full.h5
        done
    }
    full_run "$BIN" full
    base_iter=nan
    if [ -n "${BENCH_BASELINE:-}" ]; then
        full_run "$BENCH_BASELINE" base-full
        read -r b1 bkb1 <base-full1.txt
        read -r b2 bkb2 <base-full2.txt
        base_iter=$(awk -v a="$b1" -v b="$b2" 'BEGIN { print b - a }')
    fi
    read -r s1 kb1 <full1.txt
    read -r s2 kb2 <full2.txt
    awk -v s1="$s1" -v s2="$s2" -v kb="$kb2" -v base="$base_iter" -v b1="${b1:-nan}" 'BEGIN {
        printf "full-size worm (N 300, T 5000, S 5, no prior, 1 thread):\n"
        printf "  %-26s %12.2f CPU s\n", "one EM iteration", s2 - s1
        printf "  %-26s %12.2f CPU s\n", "initialisation + 1 epoch", s1
        printf "  %-26s %12.0f MB\n", "peak memory", kb / 1024
        if (base != "nan") {
            printf "  %-26s %12.2f   this build %10.2f   speed-up %7.2f x\n", "EM iteration, baseline", base,
                s2 - s1, base / (s2 - s1)
            printf "  %-26s %12.2f   this build %10.2f   speed-up %7.2f x\n", "init + 1 epoch, baseline", b1,
                s1, b1 / s1
        }
    }'
fi
