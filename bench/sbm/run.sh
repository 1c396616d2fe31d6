#!/bin/sh
# bench/sbm/run.sh - worm-sbm against the Louvain baseline on the reference
# benchmark of the spec (weighted LFR: N 125, average degree 25, maximum
# degree 100, topological and weight mixing 0.5, exponents 2 and 1, ten
# seeds): NMI against the planted communities and time per graph; then a
# dense 300-neuron component (44,850 weighted edges) against its 5 s target.
#
#   bench/sbm/run.sh [BIN_DIR]      (default: build/bin of this tree)
#   SEEDS="1 2 3" THREADS=1 bench/sbm/run.sh
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$top/build/bin}
seeds=${SEEDS:-"1 2 3 4 5 6 7 8 9 10"}
threads=${THREADS:-1}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wk-bench-sbm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C

now() { date +%s.%N; }
nmi() { "$bin/worm-compare" --truth "$1" "$2" | awk '$1 == "nmi" { print $2 }'; }

# seconds of one run of worm-sbm with the given options on matrix $1 -> $2
timed_sbm() {
    m=$1 o=$2; shift 2
    t0=$(now)
    "$bin/worm-sbm" -q -@ "$threads" -s 13 "$@" -o "$o" "$m"
    t1=$(now)
    echo "$t0 $t1" | awk '{ printf "%.3f", $2 - $1 }'
}

echo "# weighted LFR: N 125, <k> 25, k_max 100, mu_t = mu_w = 0.5, t1 2, t2 1 (worm-simulate sbm --graph lfr)"
printf 'seed\tcommunities\tnmi_sbm\tblocks_sbm\ttime_sbm_s\tnmi_louvain\tblocks_louvain\ttime_louvain_s\n'
for s in $seeds; do
    g=$tmp/lfr$s.h5
    "$bin/worm-simulate" sbm --graph lfr -s "$s" -o "$g"
    m=$g:/results/simulate/sbm/matrix
    ts=$(timed_sbm "$m" "$tmp/sbm$s.h5")
    tl=$(timed_sbm "$m" "$tmp/lv$s.h5" -m louvain)
    k=$("$bin/worm-compare" --truth "$g" "$tmp/sbm$s.h5" | awk '$1 == "blocks_truth" { print $2 }')
    bs=$("$bin/worm-compare" --truth "$g" "$tmp/sbm$s.h5" | awk '$1 == "blocks_estimate" { print $2 }')
    bl=$("$bin/worm-compare" --truth "$g" "$tmp/lv$s.h5" | awk '$1 == "blocks_estimate" { print $2 }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$k" "$(nmi "$g" "$tmp/sbm$s.h5")" "$bs" "$ts" \
        "$(nmi "$g" "$tmp/lv$s.h5")" "$bl" "$tl"
done | tee "$tmp/table"
awk -F'\t' '{ n++; a += $3; ta += $5; b += $6; tb += $8 }
    END { printf "mean\t\t%.4f\t\t%.3f\t%.4f\t\t%.3f\n", a / n, ta / n, b / n, tb / n
          printf "# mean NMI: sbm %.4f, louvain %.4f (sbm %s louvain); time per graph: sbm %.3f s = %.1f x louvain\n",
                 a / n, b / n, (a >= b ? ">=" : "<"), ta / n, (tb > 0 ? ta / tb : 0) }' "$tmp/table"

echo "# dense component: 300 neurons, every pair an edge (44850), exponential weights, 5 planted groups"
"$bin/worm-simulate" sbm -n 300 -k 5 --p-in 1 --p-out 1 --w-in 2 --w-out 1 -s 1 -o "$tmp/dense.h5"
m=$tmp/dense.h5:/results/simulate/sbm/matrix
td=$(timed_sbm "$m" "$tmp/dense_sbm.h5")
tdl=$(timed_sbm "$m" "$tmp/dense_lv.h5" -m louvain)
printf 'dense300\ttime_sbm_s\t%s\tnmi\t%s\ttime_louvain_s\t%s\tnmi_louvain\t%s\ttarget\t5 s\t%s\n' "$td" \
    "$(nmi "$tmp/dense.h5" "$tmp/dense_sbm.h5")" "$tdl" "$(nmi "$tmp/dense.h5" "$tmp/dense_lv.h5")" \
    "$(echo "$td" | awk '{ print ($1 < 5 ? "met" : "missed") }')"
